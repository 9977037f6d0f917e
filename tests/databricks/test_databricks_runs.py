"""Job runs on the fake workspace: run-now with parameters, polling, task states, URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner.events import RUN_FINISHED, TASK_FINISHED, TASK_STARTED
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_deploy import do_deploy, job_by_name, make_project


@pytest.fixture
def deployed(tmp_path: Path, db_env: FakeDatabricks):  # noqa: ANN201
    project = make_project(tmp_path / "demo", db_env.url)
    _, ws = do_deploy(project, db_env)
    return ws


def test_run_now_polls_until_done_and_reports_task_states(
    deployed,
    db_env: FakeDatabricks,  # noqa: ANN001
) -> None:
    db_env.run_polls_to_finish = 3
    events: list[tuple[str, str | None, str | None]] = []
    record = deployed.run_job(
        "train_job",
        params={"env": "ci"},
        on_event=lambda e: events.append((e.kind, e.task_key, e.state)),
    )
    assert record.state == "SUCCESS"
    assert {k: t.state for k, t in record.tasks.items()} == {
        "Train": "SUCCESS",
        "Validate": "SUCCESS",
    }
    job_id = job_by_name(db_env, "staging-demo-train")["job_id"]
    assert record.url == f"{db_env.url}/jobs/{job_id}/runs/{record.run_id}"
    assert record.params == {"env": "ci"}
    [run_now] = [r for r in db_env.requests if r.path == "/api/2.2/jobs/run-now"]
    token = run_now.body.pop("idempotency_token")
    assert isinstance(token, str) and 0 < len(token) <= 64
    assert run_now.body == {"job_id": job_id, "job_parameters": {"env": "ci"}}
    polls = [r for r in db_env.requests if r.path == "/api/2.2/jobs/runs/get"]
    assert len(polls) == 3
    assert (TASK_STARTED, "Train", "RUNNING") in events
    assert (TASK_FINISHED, "Validate", "SUCCESS") in events
    assert events[-1] == (RUN_FINISHED, None, "SUCCESS")


def test_failed_task_fails_the_run_and_skips_downstream(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    db_env.failing_tasks = {"Train"}
    record = deployed.run_job("train_job")
    assert record.state == "FAILED"
    assert record.tasks["Train"].state == "FAILED"
    assert record.tasks["Validate"].state == "SKIPPED"
    assert [t.key for t in record.failed_tasks()] == ["Train"]


def test_no_wait_returns_the_started_run(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    db_env.run_polls_to_finish = 5
    record = deployed.run_job("score_job", wait=False)
    assert record.state == "RUNNING" and record.url
    again = deployed.get_run(record.run_id)
    assert again.job_key == "score_job"
    assert [r.run_id for r in deployed.list_runs("score_job")] == [record.run_id]
    started = deployed.start_run("score_job")
    assert started != record.run_id and deployed.get_run(started).state in ("PENDING", "RUNNING")


def test_only_selected_tasks_run(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    record = deployed.run_job("train_job", only=["Train"])
    assert set(record.tasks) == {"Train"}


def test_unknown_job_and_unknown_parameter(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    with pytest.raises(RunError) as info:
        deployed.run_job("nope_job")
    assert "score_job" in str(info.value) and "train_job" in str(info.value)
    with pytest.raises(Exception) as bad:
        deployed.run_job("train_job", params={"bogus": "1"})
    assert "bogus" in str(bad.value)
