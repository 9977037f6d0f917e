"""``max_concurrent_runs`` through the real CLI, with Databricks semantics: a second run of a
job at its limit is skipped, or queued when the job has ``queue: {enabled: true}``."""

from __future__ import annotations

import json
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

SLOW = "# Databricks notebook source\nimport time\ntime.sleep(4)\nprint('trained')\n"


def _project(tmp_path: Path, queue: bool) -> Path:
    root = make_project(tmp_path / "demo", ml_artifacts=False)
    (root / "resources" / "jobs-resource.yml").write_text(
        JOB_YML.format(queue="      queue:\n        enabled: true\n" if queue else ""))
    (root / "training" / "notebooks" / "Train.py").write_text(SLOW)
    cli(root, "deploy", check=True)
    return root


def _record(project: Path, run_id: str) -> dict:
    return json.loads(cli(project, "runs", "get", run_id, "-o", "json", check=True).stdout)


def test_a_run_beyond_max_concurrent_runs_is_skipped(tmp_path: Path) -> None:
    project = _project(tmp_path, queue=False)
    first = json.loads(cli(project, "run", "train_job", "--no-wait", "-o", "json",
                           check=True).stdout)["run_id"]

    second = cli(project, "run", "train_job")

    assert second.returncode == 1, second.stdout + second.stderr
    assert "skipped" in second.stdout + second.stderr
    assert first in second.stdout + second.stderr  # names the run in the way
    assert "queue: {enabled: true}" in second.stderr  # and how to queue instead
    runs = json.loads(cli(project, "runs", "list", "-o", "json", check=True).stdout)
    states = {r["run_id"]: r["state"] for r in runs}
    assert list(states.values()).count("SKIPPED") == 1
    assert "Train" not in {t["key"] for r in runs if r["state"] == "SKIPPED" for t in r["tasks"]}
    deadline = time.monotonic() + 60
    while _record(project, first)["state"] not in ("SUCCESS", "FAILED"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert _record(project, first)["state"] == "SUCCESS"


def test_with_a_queue_the_second_run_waits_and_starts_when_the_slot_frees(
        tmp_path: Path) -> None:
    project = _project(tmp_path, queue=True)
    first = json.loads(cli(project, "run", "train_job", "--no-wait", "-o", "json",
                           check=True).stdout)["run_id"]

    second = cli(project, "run", "train_job")

    out = second.stdout + second.stderr
    assert second.returncode == 0, out
    assert "queued" in out and first in out
    runs = {r["run_id"]: r for r in json.loads(
        cli(project, "runs", "list", "-o", "json", check=True).stdout)}
    assert len(runs) == 2 and all(r["state"] == "SUCCESS" for r in runs.values())
    [other] = [r for rid, r in runs.items() if rid != first]
    # The queued run's task started only after the first run ended: never two at once.
    assert other["tasks"][0]["start_time"] >= runs[first]["end_time"]
