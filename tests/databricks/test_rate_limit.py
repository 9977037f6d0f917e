"""A 429 storm from the fake workspace: every worker of a concurrent deploy waits out
``Retry-After``, and the deploy completes within its deadline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.fake_throttle import Storm
from tests.databricks.test_databricks_kinds import deploy_now, write_project

JOBS = 30


def jobs_yaml(count: int) -> str:
    return "  jobs:\n" + "".join(
        f"    job_{i}:\n      name: storm-job-{i}\n      tasks:\n        - task_key: t\n"
        f"          notebook_task:\n            notebook_path: /Workspace/Shared/nb\n"
        for i in range(count))


def test_a_429_storm_slows_every_worker_and_the_deploy_completes(
    tmp_path: Path, db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_RETRIES", "6")
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_DEADLINE", "60")
    db_env.latency = 0.02
    root = write_project(tmp_path / "storm", db_env.url, jobs_yaml(JOBS))
    db_env.storm = Storm(answers=12, retry_after=1, prefix="/api/2.2/jobs/")
    result, _ = deploy_now(root, db_env)
    assert result.count("create") == JOBS
    assert db_env.storm.given == 12  # the storm happened...
    assert db_env.storm.violations == []  # ...and no worker sent anything in a quiet window
    names = sorted(j["settings"]["name"] for j in db_env.state.jobs.values())
    assert names == sorted(f"storm-job-{i}" for i in range(JOBS))  # each job exactly once
