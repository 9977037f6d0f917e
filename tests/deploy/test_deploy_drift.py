"""Resources deleted outside mlops-stacks are noticed by plan and deploy, and recreated.

Local: the real CLI, a real MLflow store changed with MlflowClient, a job record
removed by hand. Databricks: the deploy engine against the fake workspace over
real HTTP, with a job and an experiment deleted on the server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.databricks.conftest import db_env, server  # noqa: F401  (fixtures)
from tests.databricks.fake_server import FakeDatabricks
from tests.deploy.bundle_project import cli

RECREATED = "was deleted outside mlops-stacks; it will be recreated"


def _warnings(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if RECREATED in ln]


@pytest.mark.slow
def test_local_resources_deleted_outside_are_recreated(project: Path) -> None:
    from mlflow import MlflowClient

    cli(project, "deploy", check=True)
    ws = project / ".mlops-stacks" / "local"
    state_file = ws / "state.json"
    state = json.loads(state_file.read_text())
    exp_id = state["resources"]["experiments"]["experiment"]["id"]

    # Nothing deleted: a redeploy notices nothing and writes no state.
    before = state_file.stat().st_mtime_ns
    noop = cli(project, "deploy", check=True)
    assert "0 created, 0 changed, 0 deleted, 4 unchanged" in noop.stdout
    assert not _warnings(noop.stderr)
    assert state_file.stat().st_mtime_ns == before

    uri = f"sqlite:///{ws / 'mlflow' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.delete_experiment(exp_id)
    client.delete_registered_model("main.ml.local-demo-model")
    (ws / "jobs" / "score_job.json").unlink()

    plan = cli(project, "plan", check=True)
    assert "+ create    experiments.experiment" in plan.stdout
    assert "+ create    jobs.score_job" in plan.stdout
    assert "+ create    registered_models.model" in plan.stdout
    assert "Plan: 3 to add, 0 to change, 0 to delete, 1 unchanged" in plan.stdout
    warned = _warnings(plan.stderr)
    assert len(warned) == 3, plan.stderr
    assert any("experiments.experiment" in w and f"id {exp_id}" in w for w in warned)
    assert any("jobs.score_job" in w for w in warned)
    as_json = json.loads(cli(project, "plan", "-o", "json", check=True).stdout)
    assert len(as_json["warnings"]) == 3 and as_json["summary"]["add"] == 3

    deploy = cli(project, "deploy", check=True)
    assert "3 created, 0 changed, 0 deleted, 1 unchanged" in deploy.stdout
    assert len(_warnings(deploy.stderr)) == 3
    # The experiment comes back from MLflow's trash with its ID (and its runs).
    exp = client.get_experiment(exp_id)
    assert exp.lifecycle_stage == "active"
    assert json.loads(state_file.read_text())["resources"]["experiments"]["experiment"][
        "id"] == exp_id
    assert client.get_registered_model("main.ml.local-demo-model").name
    job = json.loads((ws / "jobs" / "score_job.json").read_text())
    assert job["settings"]["name"] == "local-demo-score"

    again = cli(project, "deploy", check=True)
    assert "0 created, 0 changed, 0 deleted, 4 unchanged" in again.stdout
    assert not _warnings(again.stderr)


def test_local_job_record_deleted_is_recreated_without_mlflow(jobs_project: Path) -> None:
    cli(jobs_project, "deploy", check=True)
    jobs = jobs_project / ".mlops-stacks" / "local" / "jobs"
    old_id = json.loads((jobs / "train_job.json").read_text())["job_id"]
    (jobs / "train_job.json").unlink()
    out = cli(jobs_project, "deploy", check=True)
    [warning] = _warnings(out.stderr)
    assert "jobs.train_job (local-demo-train, id " + old_id + ")" in warning
    assert "1 created, 0 changed, 0 deleted, 1 unchanged" in out.stdout
    assert (jobs / "train_job.json").is_file()


# -- Databricks ------------------------------------------------------------------------


def _databricks_project(tmp_path: Path, url: str) -> Path:
    from tests.databricks.test_databricks_deploy import make_project

    return make_project(tmp_path / "demo", url)


def test_databricks_job_and_experiment_deleted_outside_are_recreated(
    tmp_path: Path, db_env: FakeDatabricks  # noqa: F811
) -> None:
    from mlops_stacks.deploy import preview
    from mlops_stacks.workspace import open_workspace
    from tests.databricks.test_databricks_deploy import do_deploy, job_by_name, load

    project = _databricks_project(tmp_path, db_env.url)
    do_deploy(project, db_env)
    old_job = job_by_name(db_env, "staging-demo-score")["job_id"]
    [exp] = db_env.state.experiments.values()
    del db_env.state.jobs[old_job]  # deleted in the Jobs UI
    exp["lifecycle_stage"] = "deleted"  # deleted in the experiments UI (restorable)

    mark = db_env.mark()
    bundle = load(project, db_env)
    plan, _files, _state = preview(bundle, open_workspace(bundle))
    assert not db_env.writes(mark)  # planning only reads
    assert {a.address for a in plan.of("create")} == {"jobs.score_job",
                                                       "experiments.experiment"}
    assert len(plan.warnings) == 2 and all(RECREATED in w for w in plan.warnings)

    result, ws = do_deploy(project, db_env)
    assert sorted(result.done["create"]) == ["experiments.experiment", "jobs.score_job"]
    assert any("jobs.score_job (staging-demo-score, id " in n and RECREATED in n
               for n in result.notes)
    new_job = job_by_name(db_env, "staging-demo-score")["job_id"]
    assert new_job != old_job
    assert exp["lifecycle_stage"] == "active"  # restored, not duplicated
    assert len(db_env.state.experiments) == 1
    state = ws.read_state() or {}
    assert state["resources"]["jobs"]["score_job"]["id"] == str(new_job)

    mark = db_env.mark()
    result, _ = do_deploy(project, db_env)
    assert result.count("unchanged") == 4 and not result.notes
    api_writes = [r for r in db_env.writes(mark) if not r.path.startswith("/api/2.0/workspace/")]
    assert api_writes == []
