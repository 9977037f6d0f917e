"""Concurrent and interrupted deploys, with real processes.

Uses the ``MLOPS_STACKS_TEST_PAUSE_AFTER`` fault-injection point
(``mlops_stacks/deploy/faults.py``) to stop a deploy at a known place.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, start_cli, store_names, wait_for_line


def test_two_deploys_at_once_exactly_one_proceeds(jobs_project: Path) -> None:
    # Each deploy holds the lock a few seconds once it has it, so the two overlap.
    env = {"MLOPS_STACKS_TEST_PAUSE_AFTER": "0", "MLOPS_STACKS_TEST_PAUSE_SECONDS": "8"}
    procs = [start_cli(jobs_project, "deploy", env=env) for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _out, _err in results)
    assert codes == [0, 1], results
    loser = next(r for r in results if r[0] == 1)
    assert "Deployment of target 'local' is locked by" in loser[2]
    assert " since " in loser[2] and "--force-lock" in loser[2]
    assert "Traceback" not in loser[2]
    winner = next(r for r in results if r[0] == 0)
    assert "Resources: 2 created" in winner[1]
    assert not (jobs_project / ".mlops-stacks/local/deploy.lock").exists()


def test_live_lock_is_reported_and_force_lock_breaks_it(jobs_project: Path) -> None:
    env = {"MLOPS_STACKS_TEST_PAUSE_AFTER": "1", "MLOPS_STACKS_TEST_PAUSE_SECONDS": "600"}
    holder = start_cli(jobs_project, "deploy", env=env)
    try:
        wait_for_line(holder, "paused at 1")
        blocked = cli(jobs_project, "deploy")
        assert blocked.returncode == 1
        assert f"(pid {holder.pid})" in blocked.stderr
        forced = cli(jobs_project, "deploy", "--force-lock", check=True)
        assert "Broke the deployment lock" in forced.stdout
        assert "--force-lock was given" in forced.stdout
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
@pytest.mark.parametrize("point", ["1:unsaved", "2", "3:unsaved"])
def test_killed_deploy_converges(project: Path, point: str) -> None:
    env = {"MLOPS_STACKS_TEST_PAUSE_AFTER": point}
    proc = start_cli(project, "deploy", env=env)
    try:
        wait_for_line(proc, f"paused at {point}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    ws = project / ".mlops-stacks" / "local"
    assert (ws / "deploy.lock").exists()  # left behind by the killed deploy

    again = cli(project, "deploy", check=True)
    assert "Broke the deployment lock" in again.stdout
    assert "no longer running" in again.stdout

    exps, models = store_names(project)
    assert len(exps) == 1 and exps[0].endswith("/local-demo-experiment")
    assert models == ["main.ml.local-demo-model"]
    jobs = sorted((ws / "jobs").glob("*.json"))
    assert [p.stem for p in jobs] == ["score_job", "train_job"]
    job_ids = {json.loads(p.read_text())["job_id"] for p in jobs}
    assert len(job_ids) == 2

    state = json.loads((ws / "state.json").read_text())
    res = state["resources"]
    assert sorted(res) == ["experiments", "jobs", "registered_models"]
    assert {r["id"] for r in res["jobs"].values()} == job_ids
    assert res["registered_models"]["model"]["id"] == "main.ml.local-demo-model"
    from mlflow import MlflowClient

    uri = f"sqlite:///{ws / 'mlflow' / 'mlflow.db'}"
    exp = MlflowClient(tracking_uri=uri).get_experiment_by_name(exps[0])
    assert exp.lifecycle_stage == "active"
    assert res["experiments"]["experiment"]["id"] == exp.experiment_id
    assert sorted(state["files"]) == sorted(
        p.relative_to(ws / "files").as_posix() for p in (ws / "files").rglob("*")
        if p.is_file())

    plan = cli(project, "plan", check=True)
    assert "Plan: 0 to add, 0 to change, 0 to delete, 4 unchanged" in plan.stdout
    assert "Files: 0 to upload, 0 to delete" in plan.stdout
