"""``runs get RUN_ID --follow`` through the real CLI: task states and log lines stream until
the run ends; the exit code says how it ended."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_run_concurrency import _wait_until
from tests.deploy.bundle_project import cli, make_project

CHATTY = """# Databricks notebook source
import os, time
print('loading 42 rows', flush=True)
deadline = time.time() + 120
while not os.path.exists({release!r}) and time.time() < deadline:
    time.sleep(0.05)
print('fitted the model', flush=True)
"""


def test_follow_streams_states_and_log_lines_until_the_run_ends(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    release = tmp_path / "release"
    (project / "training" / "notebooks" / "Train.py").write_text(
        CHATTY.format(release=str(release)))
    cli(project, "deploy", check=True)
    run_id = json.loads(cli(project, "run", "train_job", "--no-wait", "-o", "json",
                            check=True).stdout)["run_id"]
    follower = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", "runs", "get", run_id, "--follow"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = project / ".mlops-stacks" / "local" / "runs" / run_id / "tasks" / "Train.log"
        _wait_until(lambda: log.is_file() and "loading 42 rows" in log.read_text(),
                    "the task's first line")
        assert follower.poll() is None  # still following: the run has not ended
        release.touch()
        out, err = follower.communicate(timeout=120)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0, out + err
    lines = out.splitlines()
    assert f"Run {run_id} of train_job started" in lines[0]
    assert "  [Train] loading 42 rows" in lines and "  [Train] fitted the model" in lines
    assert lines.index("  [Train] loading 42 rows") < lines.index("  [Train] fitted the model")
    assert any(line.startswith("  Train  SUCCESS") for line in lines)
    assert lines[-1].startswith(f"Run {run_id} SUCCESS in ")
