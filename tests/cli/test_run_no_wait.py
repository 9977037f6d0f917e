"""``run --no-wait`` on the local workspace: the real CLI starts a background run and
returns; ``runs get`` and ``runs list`` follow it to the end."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, make_project

SLOW_NOTEBOOK = """# Databricks notebook source
import time
dbutils.widgets.text("env", "none")
time.sleep(3)
print("trained for", dbutils.widgets.get("env"))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "demo", ml_artifacts=False)
    (root / "training" / "notebooks" / "Train.py").write_text(SLOW_NOTEBOOK)
    return root


def _get(project: Path, run_id: str) -> dict:
    return json.loads(cli(project, "runs", "get", run_id, "-o", "json", check=True).stdout)


def _wait(project: Path, run_id: str) -> dict:
    deadline = time.monotonic() + 120
    record = _get(project, run_id)
    while record["state"] not in ("SUCCESS", "FAILED", "CANCELED"):
        assert time.monotonic() < deadline, record
        time.sleep(0.5)
        record = _get(project, run_id)
    return record


def test_no_wait_returns_a_run_id_and_the_run_finishes_in_the_background(
    project: Path,
) -> None:
    cli(project, "deploy", check=True)
    started = cli(project, "run", "train_job", "--no-wait", "-o", "json", check=True)
    returned = time.time()
    data = json.loads(started.stdout)
    run_id = data["run_id"]
    assert data["job_key"] == "train_job" and data["state"] == "PENDING"

    record = _wait(project, run_id)
    assert record["state"] == "SUCCESS", record
    # The task sleeps 3 s: the command came back before the run ended (however slowly
    # this busy machine runs the `runs get` commands that follow it).
    assert record["end_time"] > returned, (record["end_time"], returned)
    [task] = record["tasks"]
    assert task["key"] == "Train" and task["state"] == "SUCCESS"
    assert "trained for local" in Path(task["log_path"]).read_text()

    listed = json.loads(cli(project, "runs", "list", "-o", "json", check=True).stdout)
    assert [r["run_id"] for r in listed] == [run_id]
    assert run_id in cli(project, "runs", "list", "train_job", check=True).stdout

    text = cli(project, "run", "train_job", "--no-wait", check=True).stdout
    second = re.search(r"Started run (\S+) of train_job\.", text)
    assert second and f"mlops-stacks runs get {second.group(1)} -t local" in text
    assert _wait(project, second.group(1))["state"] == "SUCCESS"


def test_no_wait_of_a_job_not_deployed_fails_at_once(project: Path) -> None:
    proc = cli(project, "run", "train_job", "--no-wait")
    assert proc.returncode == 1
    assert "Job 'train_job' is not deployed to target 'local'" in proc.stderr
    assert "Traceback" not in proc.stderr
