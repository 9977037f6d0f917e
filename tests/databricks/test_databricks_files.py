"""Synced files: notebooks vs workspace files, incremental sync by hash, deletes, state, lock."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlops_stacks.errors import LockError
from mlops_stacks.workspace.databricks.auth import connect
from mlops_stacks.workspace.databricks.backend import DatabricksWorkspace
from tests.databricks.fake_server import FakeDatabricks

ROOT = "/Workspace/Users/jane.doe@example.com/.bundle/demo/staging"
NOTEBOOK = "# Databricks notebook source\nprint('hi')\n# COMMAND ----------\nx = 1\n"


@pytest.fixture
def ws(db_env: FakeDatabricks) -> DatabricksWorkspace:
    return DatabricksWorkspace(connect(db_env.url), bundle_name="demo", target="staging")


def write(tmp_path: Path, rel: str, text: str) -> Path:
    path = tmp_path / "src" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_paths_come_from_the_current_user(ws: DatabricksWorkspace) -> None:
    assert ws.root_path == ROOT
    assert ws.file_path == ROOT + "/files"
    assert ws.state_path == ROOT + "/state"


def test_notebook_is_imported_as_notebook_and_other_files_as_files(
    ws: DatabricksWorkspace, db_env: FakeDatabricks, tmp_path: Path
) -> None:
    ws.upload_file("training/notebooks/Train.py", write(tmp_path, "nb.py", NOTEBOOK))
    ws.upload_file("training/steps.py", write(tmp_path, "steps.py", "def f():\n    return 1\n"))
    ws.upload_file("data/sample.csv", write(tmp_path, "s.csv", "a,b\n1,2\n"))
    objects = db_env.state.objects
    nb = objects[ROOT + "/files/training/notebooks/Train"]
    assert nb.object_type == "NOTEBOOK" and nb.language == "PYTHON"
    assert objects[ROOT + "/files/training/steps.py"].object_type == "FILE"
    assert objects[ROOT + "/files/data/sample.csv"].content == b"a,b\n1,2\n"
    imports = [
        r.body for r in db_env.requests if r.path.endswith("/workspace/import") and r.status == 200
    ]
    assert imports[0]["format"] == "SOURCE" and imports[0]["language"] == "PYTHON"
    assert imports[1]["format"] == "AUTO" and "language" not in imports[1]


def test_list_files_reports_hashes_after_a_flush_in_a_new_session(
    ws: DatabricksWorkspace, db_env: FakeDatabricks, tmp_path: Path
) -> None:
    src = write(tmp_path, "nb.py", NOTEBOOK)
    ws.upload_file("training/notebooks/Train.py", src)
    ws.write_state({"version": 1, "serial": 3})  # flushes the sync manifest
    fresh = DatabricksWorkspace(connect(db_env.url), bundle_name="demo", target="staging")
    files = fresh.list_files()
    assert set(files) == {"training/notebooks/Train.py"}
    assert (
        files["training/notebooks/Train.py"].sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    )
    state = fresh.read_state()  # read back as a state document
    assert state is not None and (state["version"], state["serial"]) == (1, 3)


def test_incremental_sync_touches_only_changed_files(
    ws: DatabricksWorkspace, db_env: FakeDatabricks, tmp_path: Path
) -> None:
    a = write(tmp_path, "a.py", "A = 1\n")
    b = write(tmp_path, "b.py", "B = 1\n")
    ws.upload_file("a.py", a)
    ws.upload_file("b.py", b)
    ws.write_state({"v": 1})
    b.write_text("B = 2\n")
    fresh = DatabricksWorkspace(connect(db_env.url), bundle_name="demo", target="staging")
    known = fresh.list_files()
    mark = db_env.mark()
    for rel, src in (("a.py", a), ("b.py", b)):
        if known[rel].sha256 != hashlib.sha256(src.read_bytes()).hexdigest():
            fresh.upload_file(rel, src)
    fresh.delete_file("a.py")
    fresh.write_state({"v": 2})
    writes = [(r.path, (r.body or {}).get("path")) for r in db_env.writes(mark)]
    assert ("/api/2.0/workspace/import", ROOT + "/files/b.py") in writes
    assert ("/api/2.0/workspace/delete", ROOT + "/files/a.py") in writes
    assert not any(p == ROOT + "/files/a.py" for path, p in writes if path.endswith("import"))
    assert ROOT + "/files/a.py" not in db_env.state.objects
    assert set(
        DatabricksWorkspace(connect(db_env.url), bundle_name="demo", target="staging").list_files()
    ) == {"b.py"}


def test_file_turning_into_a_notebook_replaces_the_old_object(
    ws: DatabricksWorkspace, db_env: FakeDatabricks, tmp_path: Path
) -> None:
    src = write(tmp_path, "x.py", "x = 1\n")
    ws.upload_file("jobs/x.py", src)
    src.write_text(NOTEBOOK)
    ws.upload_file("jobs/x.py", src)
    assert ROOT + "/files/jobs/x.py" not in db_env.state.objects
    assert db_env.state.objects[ROOT + "/files/jobs/x"].object_type == "NOTEBOOK"


def test_delete_of_a_missing_file_is_fine(ws: DatabricksWorkspace) -> None:
    ws.delete_file("never/uploaded.txt")


def test_delete_all_files_and_state_leaves_nothing(
    ws: DatabricksWorkspace, db_env: FakeDatabricks, tmp_path: Path
) -> None:
    ws.upload_file("a/b/c.txt", write(tmp_path, "c.txt", "c"))
    ws.write_state({"v": 1})
    ws.delete_all_files()
    ws.delete_state()
    assert db_env.paths_under(ROOT + "/files") == []
    assert ws.read_state() is None
    assert ws.list_files() == {}


def test_corrupt_state_is_a_clear_error(ws: DatabricksWorkspace, tmp_path: Path) -> None:
    ws.files.write_text(ws.state.path, "{not json")
    with pytest.raises(Exception) as info:
        ws.read_state()
    assert "not valid JSON" in str(info.value) and ws.state.path in str(info.value)


def test_lock_is_exclusive_and_released_only_by_its_holder(
    ws: DatabricksWorkspace, db_env: FakeDatabricks
) -> None:
    first = ws.acquire_lock()
    other = DatabricksWorkspace(connect(db_env.url), bundle_name="demo", target="staging")
    with pytest.raises(LockError) as info:
        other.acquire_lock()
    assert first.lock.holder in str(info.value) and "--force-lock" in str(info.value)
    assert other.read_lock() == first.lock
    forced = other.acquire_lock(force=True)
    assert forced.broken == first.lock and forced.reason == "forced"
    ws.release_lock(first.lock)  # no longer ours: must not remove the new holder's lock
    assert other.read_lock() == forced.lock
    other.release_lock(forced.lock)
    assert other.read_lock() is None
