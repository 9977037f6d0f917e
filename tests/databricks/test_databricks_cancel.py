"""``cancel_run`` on Databricks: jobs/runs/cancel, then the run ends CANCELED; the test
server keeps the service's rules for runs/cancel."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_deploy import do_deploy, make_project


@pytest.fixture
def deployed(tmp_path: Path, db_env: FakeDatabricks):  # noqa: ANN201
    project = make_project(tmp_path / "demo", db_env.url)
    _, ws = do_deploy(project, db_env)
    return ws


def _cancels(db_env: FakeDatabricks) -> list:
    return [r for r in db_env.requests if r.path.endswith("/jobs/runs/cancel")]


def test_cancel_ends_a_running_run_canceled(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    db_env.run_polls_to_finish = 50
    run_id = deployed.start_run("train_job")
    record = deployed.cancel_run(run_id)
    assert record.state == "CANCELED"
    assert {t.state for t in record.tasks.values()} == {"CANCELED"}
    [cancel] = _cancels(db_env)
    assert cancel.body == {"run_id": int(run_id)}


def test_cancel_of_an_ended_run_changes_nothing(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    db_env.run_polls_to_finish = 1
    record = deployed.run_job("train_job")
    assert deployed.cancel_run(record.run_id).state == "SUCCESS"
    assert _cancels(db_env) == []


def test_cancel_of_an_unknown_run(deployed, db_env: FakeDatabricks) -> None:  # noqa: ANN001
    with pytest.raises(RunError, match="No run 987654"):
        deployed.cancel_run("987654")


@pytest.mark.parametrize(
    ("body", "message"),
    [({}, "Missing required field: run_id"), ({"run_id": 424242}, "does not exist")],
)
def test_server_refuses_cancel_without_a_known_run(
    db_env: FakeDatabricks, body: dict, message: str
) -> None:
    request = urllib.request.Request(
        f"{db_env.url}/api/2.2/jobs/runs/cancel", data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {db_env.token}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 400
    assert message in info.value.read().decode()
