"""The local workspace: files, atomic state, job records, path mapping, the factory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_stacks.bundle.model import Bundle
from mlops_stacks.bundle.nodes import from_plain
from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace import Workspace, open_workspace
from mlops_stacks.workspace.local import LocalWorkspace


def _ws(tmp_path: Path) -> LocalWorkspace:
    return LocalWorkspace(tmp_path, "local", bundle_name="demo",
                          root_path="/Workspace/Users/me/.bundle/demo/local")


def test_factory_opens_local_workspace_for_local_host(tmp_path: Path) -> None:
    bundle = Bundle(tmp_path, "local", from_plain({
        "bundle": {"name": "demo"},
        "workspace": {"host": "local", "file_path": "/Workspace/x/files"}}))
    ws = open_workspace(bundle)
    assert isinstance(ws, LocalWorkspace) and isinstance(ws, Workspace)
    assert ws.dir == tmp_path.resolve() / ".mlops-stacks" / "local"
    assert ws.file_path == "/Workspace/x/files"


def test_factory_for_databricks_host(tmp_path: Path) -> None:
    bundle = Bundle(tmp_path, "dev", from_plain({
        "bundle": {"name": "demo"}, "workspace": {"host": "https://x.cloud.databricks.com"}}))
    from mlops_stacks.workspace.factory import _databricks_opener

    if _databricks_opener() is None:
        with pytest.raises(WorkspaceError, match="Databricks targets need the Databricks"):
            open_workspace(bundle)
    else:
        from mlops_stacks.errors import AuthError

        try:
            opened = open_workspace(bundle)
        except AuthError as exc:  # the Databricks backend answered: no credentials here
            assert "x.cloud.databricks.com" in exc.message
        else:
            assert not isinstance(opened, LocalWorkspace)


def test_state_is_written_by_rename_and_corruption_is_explained(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    assert ws.read_state() is None
    ws.write_state({"serial": 1})
    inode = ws.state_file.stat().st_ino
    ws.write_state({"serial": 2})
    # A new file replaced the old one (temp + rename), rather than rewriting it in place.
    assert ws.state_file.stat().st_ino != inode
    state = ws.read_state()  # read back as a state document
    assert state is not None and state["serial"] == 2
    assert sorted(p.name for p in ws.dir.iterdir()) == ["mlflow", "state.json"] or sorted(
        p.name for p in ws.dir.iterdir()) == ["state.json"]
    ws.state_file.write_text('{"serial": ')
    with pytest.raises(WorkspaceError) as err:
        ws.read_state()
    assert f"{ws.state_file} is damaged: it is not valid JSON" in err.value.message
    assert "delete it and run `mlops-stacks deploy` again" in (err.value.hint or "")
    ws.state_file.write_text("[1, 2]")
    with pytest.raises(WorkspaceError, match="not a JSON object"):
        ws.read_state()


def test_files_upload_list_delete_and_notebook_paths(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "Train.py").write_text("print(1)\n")
    ws = _ws(tmp_path / "bundle")
    ws.upload_file("training/notebooks/Train.py", src / "Train.py")
    listed = ws.list_files()
    assert list(listed) == ["training/notebooks/Train.py"]
    assert listed["training/notebooks/Train.py"].size == 9
    notebook = "/Workspace/Users/me/.bundle/demo/local/files/training/notebooks/Train"
    assert ws.local_path(notebook) == ws.files_dir / "training/notebooks/Train.py"
    assert ws.local_path(notebook + ".py") == ws.files_dir / "training/notebooks/Train.py"
    assert ws.local_path("training/notebooks/Train.py").is_file()
    with pytest.raises(WorkspaceError, match="not in the deployed files"):
        ws.local_path(notebook.replace("Train", "Missing"))
    with pytest.raises(WorkspaceError, match="outside"):
        ws.local_path("/Workspace/elsewhere/Train")
    with pytest.raises(WorkspaceError, match="not inside"):
        ws.upload_file("../escape.py", src / "Train.py")
    ws.delete_file("training/notebooks/Train.py")
    ws.delete_file("training/notebooks/Train.py")  # already gone: fine
    assert ws.list_files() == {}
    assert not (ws.files_dir / "training").exists()


def test_jobs_are_stored_with_stable_ids(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    a = ws.create_resource("jobs", "a", {"name": "A"})
    b = ws.create_resource("jobs", "b", {"name": "B"})
    assert (a.id, b.id) == ("1", "2")
    again = ws.create_resource("jobs", "a", {"name": "A2"})  # adopted, not duplicated
    assert again.id == "1"
    record = json.loads((ws.jobs_dir / "a.json").read_text())
    assert record["settings"] == {"name": "A2"} and record["job_id"] == "1"
    assert ws.job_settings("a")["name"] == "A2"
    updated = ws.update_resource("jobs", "b", "2", {"name": "B2"})
    assert updated.id == "2" and ws.get_resource("jobs", "b", "2")["settings"]["name"] == "B2"
    ws.delete_resource("jobs", "b", "2")
    ws.delete_resource("jobs", "b", "2")
    assert ws.get_resource("jobs", "b", "2") is None
    with pytest.raises(WorkspaceError, match="Job 'b' is not deployed") as err:
        ws.job_settings("b")
    assert "Deployed jobs: a" in (err.value.hint or "")
    assert ws.resource_locator(a) == "mlops-stacks run a -t local"


def test_missing_resources_by_record_file_and_store(tmp_path: Path) -> None:
    from mlops_stacks.workspace.protocol import ResourceRef

    ws = _ws(tmp_path)
    a = ws.create_resource("jobs", "a", {"name": "A"})
    b = ws.create_resource("jobs", "b", {"name": "B"})
    endpoint = ws.create_resource("model_serving_endpoints", "e", {"name": "ep"})
    (ws.jobs_dir / "b.json").unlink()  # removed by hand
    replaced = ResourceRef("jobs", "a", "99")  # the record now holds another job
    exp = ResourceRef("experiments", "x", "1")  # no MLflow store yet: nothing in it exists
    model = ResourceRef("registered_models", "m", "main.ml.m")
    missing = ws.missing_resources([a, b, endpoint, replaced, exp, model])
    assert missing == [b, replaced, exp, model]
    assert ws.missing_resources([]) == []


def test_mlflow_uris_and_ui_command(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    db = ws.dir / "mlflow" / "mlflow.db"
    assert ws.tracking_uri == f"sqlite:///{db}" == ws.registry_uri
    env = ws.mlflow_env()
    assert env["MLFLOW_TRACKING_URI"] == ws.tracking_uri
    assert env["MLOPS_STACKS_TARGET"] == "local"
    assert ws.mlflow_ui_command() == (
        f"mlflow ui --backend-store-uri sqlite:///{db} "
        f"--default-artifact-root {ws.dir / 'mlflow' / 'artifacts'}")
    info = ws.info()
    assert info.kind == "local" and info.mlflow_ui == ws.mlflow_ui_command()
