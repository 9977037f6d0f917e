"""``max_concurrent_runs`` through the real CLI, with Databricks semantics: a second run of a
job at its limit is skipped, or queued when the job has ``queue: {enabled: true}``.

The first run's task waits for a release file, so the second run always meets it running,
however slow the machine."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.deploy.bundle_project import cli, make_project

JOB_YML = """\
resources:
  jobs:
    train_job:
      name: demo-train
      max_concurrent_runs: 1
{queue}      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
"""

WAITING = """# Databricks notebook source
import os, time
deadline = time.time() + 120
while not os.path.exists({release!r}) and time.time() < deadline:
    time.sleep(0.05)
print('trained')
"""


def _project(tmp_path: Path, queue: bool) -> tuple[Path, Path]:
    root = make_project(tmp_path / "demo", ml_artifacts=False)
    release = tmp_path / "release"
    (root / "resources" / "jobs-resource.yml").write_text(
        JOB_YML.format(queue="      queue:\n        enabled: true\n" if queue else ""))
    (root / "training" / "notebooks" / "Train.py").write_text(
        WAITING.format(release=str(release)))
    cli(root, "deploy", check=True)
    return root, release


def _runs(project: Path) -> dict[str, dict]:
    data = json.loads(cli(project, "runs", "list", "-o", "json", check=True).stdout)
    return {r["run_id"]: r for r in data}


def _wait_until(predicate, what: str, seconds: float = 90) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_run_beyond_max_concurrent_runs_is_skipped(tmp_path: Path) -> None:
    project, release = _project(tmp_path, queue=False)
    first = json.loads(cli(project, "run", "train_job", "--no-wait", "-o", "json",
                           check=True).stdout)["run_id"]

    second = cli(project, "run", "train_job")

    out = second.stdout + second.stderr
    assert second.returncode == 1, out
    assert "skipped: the job allows 1 concurrent run (max_concurrent_runs)" in out
    assert first in out  # names the run in the way
    assert "queue: {enabled: true}" in second.stderr  # and how to queue instead
    runs = _runs(project)
    [skipped] = [r for r in runs.values() if r["state"] == "SKIPPED"]
    assert skipped["run_id"] != first and skipped["tasks"] == []
    assert runs[first]["state"] in ("PENDING", "RUNNING")
    release.touch()
    _wait_until(lambda: _runs(project)[first]["state"] == "SUCCESS", "the first run")


def test_with_a_queue_the_second_run_waits_and_starts_when_the_slot_frees(
        tmp_path: Path) -> None:
    project, release = _project(tmp_path, queue=True)
    first = json.loads(cli(project, "run", "train_job", "--no-wait", "-o", "json",
                           check=True).stdout)["run_id"]
    second = subprocess.Popen([sys.executable, "-m", "mlops_stacks", "run", "train_job"],
                              cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        _wait_until(lambda: any(r["state"] == "QUEUED" for r in _runs(project).values()),
                    "the second run to queue")
        release.touch()
        out, err = second.communicate(timeout=120)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, out + err
    assert f"queued: the job allows 1 concurrent run (max_concurrent_runs); waiting for {first}" \
        in out
    runs = _runs(project)
    assert len(runs) == 2 and all(r["state"] == "SUCCESS" for r in runs.values())
    [other] = [r for rid, r in runs.items() if rid != first]
    # The queued run's task started only after the first run ended: never two at once.
    assert other["tasks"][0]["start_time"] >= runs[first]["end_time"]
