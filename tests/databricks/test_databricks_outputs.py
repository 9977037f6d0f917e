"""Deploy-time outputs and ordering on Databricks: a job that runs a pipeline by
``${resources.pipelines.<key>.id}``, a pipeline run with a full refresh, and a
serving endpoint deferred until its model version exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_kinds import bundle_loads, deploy_now, write_project

pytestmark = pytest.mark.skipif(
    not bundle_loads("pipelines"), reason="the bundle engine does not load pipelines yet"
)

PIPELINE_AND_JOB = """\
  jobs:
    refresh:
      name: staging-refresh-features
      tasks:
        - task_key: refresh
          pipeline_task:
            pipeline_id: ${resources.pipelines.features.id}
            full_refresh: false
  pipelines:
    features:
      name: staging-features
      catalog: main
      schema: ml
      serverless: true
      libraries:
        - notebook:
            path: /Workspace/Shared/features
"""

ENDPOINT = """\
  registered_models:
    model:
      catalog_name: main
      schema_name: ml
      name: fare_model
  model_serving_endpoints:
    fare:
      name: staging-fare
      config:
        served_entities:
          - entity_name: main.ml.fare_model
            entity_version: "1"
            workload_size: Small
            scale_to_zero_enabled: true
"""


def test_job_refers_to_the_pipeline_id_created_in_the_same_deploy(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    db_env.add_notebook("/Workspace/Shared/features")  # the pipeline's library
    root = write_project(tmp_path / "kinds", db_env.url, PIPELINE_AND_JOB)
    result, ws = deploy_now(root, db_env)
    assert result.done["create"] == ["pipelines.features", "jobs.refresh"]
    [pid] = db_env.state.pipelines
    [job] = db_env.state.jobs.values()
    assert job["settings"]["tasks"][0]["pipeline_task"]["pipeline_id"] == pid
    assert ws.read_state()["resources"]["pipelines"]["features"]["id"] == pid


def test_pipeline_run_waits_for_the_update_and_passes_full_refresh(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    db_env.add_notebook("/Workspace/Shared/features")  # the pipeline's library
    root = write_project(tmp_path / "kinds", db_env.url, PIPELINE_AND_JOB)
    _, ws = deploy_now(root, db_env)
    seen: list[str] = []
    out = ws.run_pipeline("features", full_refresh=True, on_state=seen.append)
    assert out["state"] == "COMPLETED" and seen == ["RUNNING", "COMPLETED"]
    [update] = db_env.state.pipeline_updates.values()
    assert update["full_refresh"] is True
    db_env.pipeline_update_result = "FAILED"
    try:
        ws.run_pipeline("features")
    except RunError as err:
        assert "FAILED" in str(err)
    else:
        raise AssertionError("a failed pipeline update must raise")


def test_serving_endpoint_waits_for_its_model_version(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    db_env.state.schemas["main.ml"] = {"catalog_name": "main", "name": "ml"}
    root = write_project(tmp_path / "kinds", db_env.url, ENDPOINT)
    result, ws = deploy_now(root, db_env)
    assert result.done["create"] == ["registered_models.model"]
    assert result.done["deferred"] == ["model_serving_endpoints.fare"]
    [note] = [n for n in result.notes if "deferred" in n]
    assert "main.ml.fare_model version 1 is not registered" in note
    assert not db_env.state.endpoints
    assert "model_serving_endpoints" not in ws.read_state()["resources"]

    db_env.register_version("main.ml.fare_model", "1")  # the training job registers it
    result, ws = deploy_now(root, db_env)
    assert result.done["create"] == ["model_serving_endpoints.fare"]
    assert "staging-fare" in db_env.state.endpoints
    mark = db_env.mark()
    result, _ = deploy_now(root, db_env)
    assert result.count("unchanged") == 2 and len(db_env.writes(mark)) == 2  # the lock only


def test_run_of_a_pipeline_key_through_the_cli(
    tmp_path: Path, db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from mlops_stacks.cli import terminal
    from mlops_stacks.cli.app import app

    db_env.add_notebook("/Workspace/Shared/features")  # the pipeline's library
    root = write_project(tmp_path / "kinds", db_env.url, PIPELINE_AND_JOB)
    monkeypatch.setenv("MLOPS_STACKS_BUNDLE_ROOT", str(root))
    monkeypatch.setenv("MLOPS_STACKS_NO_INPUT", "1")

    def cli(*args: str) -> tuple[int, str]:
        terminal.reset()
        res = CliRunner().invoke(app, list(args))
        terminal.reset()
        return res.exit_code, res.stdout + res.stderr

    code, out = cli("run", "features", "-t", "staging")
    assert code == 1 and "not deployed" in out
    assert cli("deploy", "-t", "staging", "--auto-approve")[0] == 0
    code, out = cli("run", "features", "-t", "staging", "--full-refresh", "-o", "json")
    assert code == 0, out
    [update] = db_env.state.pipeline_updates.values()
    assert update["full_refresh"] is True
    code, out = cli("run", "features", "-t", "local")
    assert code == 1 and "runs only on Databricks" in out


def test_removing_a_volume_asks_first(tmp_path: Path, db_env: FakeDatabricks) -> None:
    from mlops_stacks.bundle import load_bundle
    from mlops_stacks.deploy import NotApproved, deploy
    from mlops_stacks.workspace import open_workspace
    from mlops_stacks.workspace.databricks import current_user

    db_env.state.schemas["main.ml"] = {"catalog_name": "main", "name": "ml"}
    volume = ("  volumes:\n    raw:\n      catalog_name: main\n      schema_name: ml\n"
              "      name: raw\n")  # fmt: skip
    root = write_project(tmp_path / "kinds", db_env.url, volume)
    deploy_now(root, db_env)
    write_project(root, db_env.url, "  jobs: {}\n")
    bundle, _ = load_bundle(root, target="staging", current_user=current_user(db_env.url))
    assert bundle is not None
    with pytest.raises(NotApproved, match="volumes.raw"):
        deploy(bundle, open_workspace(bundle), approve=lambda _a: False)
    assert "main.ml.raw" in db_env.state.volumes
