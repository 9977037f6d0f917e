"""A bundle with a pipeline, a quality monitor writing into a bundle schema, a secret scope
and a dashboard: deployed to the fake workspace with translated library paths, destroyed
completely (the monitor's metric tables stay in the schema; the schema goes with them)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlops_stacks.deploy import destroy
from mlops_stacks.workspace import open_workspace
from tests.bundle.bundle_testkit import write_files
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_deploy import do_deploy, load

ROOT = "/Workspace/Users/jane.doe@example.com/.bundle/lakehouse/staging"
BUNDLE = """\
bundle:
  name: lakehouse
include:
  - resources/*.yml
targets:
  staging:
    default: true
    workspace:
      host: {host}
"""
RESOURCES = """\
resources:
  schemas:
    monitoring:
      catalog_name: main
      name: ${bundle.target}_monitoring
  pipelines:
    features:
      name: ${bundle.target}-features
      catalog: main
      schema: ml
      serverless: true
      libraries:
        - file: {path: ../src/clean.sql}
        - notebook: {path: ../src/ingest.py}
        - glob: {include: ../src/transformations/**}
  quality_monitors:
    predictions:
      table_name: main.ml.predictions
      assets_dir: /Workspace/Shared/lakehouse/monitoring
      output_schema_name: ${resources.schemas.monitoring.id}
      snapshot: {}
  secret_scopes:
    creds:
      name: ${bundle.target}-lakehouse-creds
  dashboards:
    quality:
      display_name: Prediction quality
      parent_path: /Workspace/Shared/lakehouse/dashboards
      file_path: ../quality.lvdash.json
      warehouse_id: wh123
"""
FILES = {
    "src/clean.sql": "CREATE OR REFRESH MATERIALIZED VIEW clean AS SELECT 1\n",
    "src/ingest.py": "# Databricks notebook source\nprint('ingest')\n",
    "src/transformations/a.sql": "SELECT 1\n",
    "quality.lvdash.json": '{"pages": [{"name": "p1"}]}\n',
}


@pytest.fixture
def lakehouse(tmp_path: Path, db_env: FakeDatabricks) -> Path:
    db_env.state.schemas["main.ml"] = {"catalog_name": "main", "name": "ml",
                                       "full_name": "main.ml"}
    db_env.state.tables.add("main.ml.predictions")
    root = write_files(tmp_path / "lakehouse", {
        **FILES, "databricks.yml": BUNDLE.format(host=db_env.url),
        "resources/lakehouse.yml": RESOURCES})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_deploys_with_workspace_library_paths_and_destroys_completely(
        lakehouse: Path, db_env: FakeDatabricks) -> None:
    result, _ = do_deploy(lakehouse, db_env)
    assert result.count("create") == 5, result.notes
    (pipeline,) = db_env.state.pipelines.values()
    assert pipeline["spec"]["libraries"] == [
        {"file": {"path": f"{ROOT}/files/src/clean.sql"}},
        {"notebook": {"path": f"{ROOT}/files/src/ingest"}},
        {"glob": {"include": f"{ROOT}/files/src/transformations/**"}},
    ]
    metrics = {"main.staging_monitoring.predictions_profile_metrics",
               "main.staging_monitoring.predictions_drift_metrics"}
    assert metrics <= db_env.state.tables

    bundle = load(lakehouse, db_env)
    ws = open_workspace(bundle)
    destroy(bundle, ws, approve=lambda _a: True)
    state = db_env.state
    assert not (state.pipelines or state.monitors or state.scopes)
    assert [d["lifecycle_state"] for d in state.dashboards.values()] == ["TRASHED"]
    assert list(state.schemas) == ["main.ml"]  # not the bundle's: left alone
    assert not metrics & db_env.state.tables
    assert db_env.paths_under(ROOT) == []
    assert ws.read_state() is None


def test_a_refused_deletion_gives_advice_that_applies(db_env: FakeDatabricks,
                                                      lakehouse: Path) -> None:
    from mlops_stacks.errors import WorkspaceError

    db_env.state.schemas["main.old"] = {"catalog_name": "main", "name": "old",
                                        "full_name": "main.old"}
    db_env.fail("DELETE", "/api/2.1/unity-catalog/schemas/main.old", status=400)
    ws = open_workspace(load(lakehouse, db_env))
    with pytest.raises(WorkspaceError) as caught:
        ws.delete_resource("schemas", "old", "main.old")
    assert "delete schema 'old' (main.old)" in str(caught.value)
    assert "validate" not in (caught.value.hint or "")
    assert "refused the deletion" in (caught.value.hint or "")
