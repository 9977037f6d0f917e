"""MLflow resources in the local workspace's real sqlite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.workspace.local import LocalWorkspace


@pytest.mark.slow
def test_experiments_and_models_are_created_adopted_and_deleted(tmp_path: Path) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    ws = LocalWorkspace(tmp_path, "local", bundle_name="demo")
    exp = ws.create_resource("experiments", "e", {
        "name": "/Users/me/demo", "tags": [{"key": "team", "value": "ml"}]})
    # Creating again adopts the same experiment (an interrupted deploy converges).
    assert ws.create_resource("experiments", "e", {"name": "/Users/me/demo"}).id == exp.id
    client = MlflowClient(tracking_uri=ws.tracking_uri, registry_uri=ws.registry_uri)
    got = client.get_experiment(exp.id)
    assert got.tags["team"] == "ml"
    assert got.artifact_location.startswith((ws.artifact_root).as_uri())

    renamed = ws.update_resource("experiments", "e", exp.id, {"name": "/Users/me/demo2"},
                                 {"name": "/Users/me/demo", "tags": [{"key": "team"}]})
    assert renamed.id == exp.id and client.get_experiment(exp.id).name == "/Users/me/demo2"
    assert "team" not in client.get_experiment(exp.id).tags

    ws.delete_resource("experiments", "e", exp.id)
    ws.delete_resource("experiments", "e", exp.id)
    assert ws.get_resource("experiments", "e", exp.id) is None
    assert ws.missing_resources([exp]) == [exp]  # in MLflow's trash counts as gone
    restored = ws.create_resource("experiments", "e", {"name": "/Users/me/demo2"})
    assert restored.id == exp.id
    assert ws.missing_resources([restored]) == []
    names = [e.name for e in client.search_experiments(view_type=ViewType.ALL)]
    assert sorted(names) == ["/Users/me/demo2", "Default"]

    model = ws.create_resource("registered_models", "m", {
        "name": "demo_model", "catalog_name": "main", "schema_name": "ml", "comment": "c1"})
    assert model.id == "main.ml.demo_model"
    assert client.get_registered_model("main.ml.demo_model").description == "c1"
    moved = ws.update_resource("registered_models", "m", model.id, {
        "name": "demo_model2", "catalog_name": "main", "schema_name": "ml", "comment": "c2"})
    assert moved.id == "main.ml.demo_model2"
    assert [m.name for m in client.search_registered_models()] == ["main.ml.demo_model2"]
    assert client.get_registered_model(moved.id).description == "c2"
    assert ws.missing_resources([model, moved]) == [model]  # the old name is gone
    ws.delete_resource("registered_models", "m", moved.id)
    ws.delete_resource("registered_models", "m", moved.id)
    assert client.search_registered_models() == []
    assert ws.missing_resources([moved]) == [moved]

    legacy = ws.create_resource("models", "w", {"name": "workspace_model"})
    assert legacy.id == "workspace_model"
    assert ws.get_resource("models", "w", legacy.id)["name"] == "workspace_model"
    assert ws.missing_resources([legacy]) == []


@pytest.mark.slow
def test_new_stores_are_copied_from_a_cached_empty_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    monkeypatch.setenv("MLOPS_STACKS_CACHE_DIR", str(tmp_path / "cache"))
    first = LocalWorkspace(tmp_path / "one", "local", bundle_name="one")
    first.mlflow.ensure_store()
    cached = list((tmp_path / "cache").glob("mlflow-*-empty-store.db"))
    assert len(cached) == 1
    second = LocalWorkspace(tmp_path / "two", "dev", bundle_name="two")
    second.mlflow.ensure_store()
    for ws in (first, second):
        with sqlite3.connect(ws.mlflow.db_file) as conn:
            rows = conn.execute("SELECT name, artifact_location FROM experiments").fetchall()
        assert rows == [("Default", str(ws.artifact_root / "0"))]
    # The copied store is a working MLflow store.
    exp = second.create_resource("experiments", "e", {"name": "/e"})
    assert second.get_resource("experiments", "e", exp.id)["name"] == "/e"


@pytest.mark.slow
def test_a_run_shows_no_mlflow_run_that_ended_before_it_started(tmp_path: Path) -> None:
    """Back-to-back job runs: the earlier one's MLflow run is not in the later one's results,
    even though it started within the second of slack before the later run."""
    import time

    from mlflow import MlflowClient

    from mlops_stacks.workspace.run_results import collect

    ws = LocalWorkspace(tmp_path, "local", bundle_name="demo")
    exp = ws.create_resource("experiments", "e", {"name": "/Users/me/demo"})
    client = MlflowClient(tracking_uri=ws.tracking_uri, registry_uri=ws.registry_uri)
    earlier = client.create_run(exp.id, run_name="earlier")
    client.log_metric(earlier.info.run_id, "score", 0.3)
    client.set_terminated(earlier.info.run_id)
    time.sleep(0.05)
    start = time.time()  # the later job run starts after the earlier MLflow run ended
    later = client.create_run(exp.id, run_name="later")
    client.log_metric(later.info.run_id, "score", 0.7)
    client.set_terminated(later.info.run_id)

    results = collect(ws.mlflow.db_file, start=start, end=time.time() + 0.1, models=[],
                      before={})
    assert [r.name for r in results.mlflow_runs] == ["later"]
    assert results.metric("score") == 0.7
