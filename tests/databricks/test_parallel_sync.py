"""File sync uploads several files at once to a Databricks workspace, bounded by
``--parallelism``; a no-op sync asks nothing file by file."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from mlops_stacks.deploy.sync import select_files
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_kinds import deploy_now, write_project
from tests.deploy.bundle_project import cli, start_cli

DEPLOY = ("deploy", "-t", "staging", "--auto-approve")

FILES = 24


def _imports(server: FakeDatabricks, mark: int) -> list:  # noqa: ANN401 - fake's Request
    return [r for r in server.requests[mark:]
            if r.path == "/api/2.0/workspace/import" and "/files/src/" in str(r.body["path"])]


def _project(tmp_path: Path, server: FakeDatabricks) -> Path:
    """A project with ``FILES`` modules in three folders under ``src``."""
    root = write_project(tmp_path / "files", server.url, "")
    for i in range(FILES):
        (root / "src" / f"p{i % 3}").mkdir(parents=True, exist_ok=True)
        (root / "src" / f"p{i % 3}" / f"m{i}.py").write_text(f"X = {i}\n")
    return root


def test_files_upload_in_parallel_within_the_bound(
    tmp_path: Path, db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_STACKS_PARALLELISM", "4")
    db_env.latency = 0.05
    root = _project(tmp_path, db_env)
    mark = db_env.mark()
    deploy_now(root, db_env)
    uploads = [r for r in _imports(db_env, mark) if r.status == 200]
    assert len(uploads) == FILES
    # At most 4 requests in flight at any moment, and more than one most of the time.
    events = sorted([(r.received, 1) for r in db_env.requests[mark:]]
                    + [(r.answered, -1) for r in db_env.requests[mark:]])
    in_flight, peak = 0, 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)
    assert 2 <= peak <= 4

    mark = db_env.mark()
    deploy_now(root, db_env)
    assert not _imports(db_env, mark)
    assert len(db_env.requests) - mark <= 8  # no request file by file


def _mkdirs(server: FakeDatabricks, mark: int) -> list[str]:
    return sorted(str(r.body["path"]).split("/files", 1)[1] for r in server.requests[mark:]
                  if r.path == "/api/2.0/workspace/mkdirs" and "/files" in str(r.body["path"]))


def test_new_folders_are_made_once_each_before_their_files(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = _project(tmp_path, db_env)
    mark = db_env.mark()
    deploy_now(root, db_env)
    # The innermost new folders only (each creates its parents), and no upload is refused
    # for want of its folder.
    assert _mkdirs(db_env, mark) == ["/src/p0", "/src/p1", "/src/p2"]
    refused = [r.body["path"] for r in db_env.requests[mark:]
               if r.path == "/api/2.0/workspace/import" and "/files/" in r.body["path"]
               and r.status != 200]
    assert refused == []

    # A new folder under synced ones: only it is made; files into known folders go straight in.
    (root / "src" / "p0" / "deep").mkdir()
    (root / "src" / "p0" / "deep" / "n.py").write_text("N = 1\n")
    (root / "src" / "p1" / "m1.py").write_text("X = 'changed'\n")
    (root / "top.txt").write_text("new at the root\n")
    mark = db_env.mark()
    deploy_now(root, db_env)
    assert _mkdirs(db_env, mark) == ["/src/p0/deep"]
    assert len(_imports(db_env, mark)) == 2
    assert all(r.status == 200 for r in db_env.requests[mark:]
               if r.path == "/api/2.0/workspace/import" and "/files/" in r.body["path"])


def test_a_synced_folder_deleted_in_the_workspace_is_made_again(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = write_project(tmp_path / "files", db_env.url, "")
    (root / "src" / "p0").mkdir(parents=True)
    (root / "src" / "p0" / "a.py").write_text("A = 1\n")
    (root / "src" / "p0" / "b.py").write_text("B = 1\n")
    _, ws = deploy_now(root, db_env)
    folder = f"{ws.file_path}/src/p0"
    with db_env._lock:  # someone deletes the folder in the workspace UI
        for path in db_env.paths_under(folder):
            del db_env.state.objects[path]
    (root / "src" / "p0" / "a.py").write_text("A = 2\n")
    deploy_now(root, db_env)
    assert db_env.state.objects[f"{folder}/a.py"].content == b"A = 2\n"


def test_the_upload_record_is_read_while_the_folders_are_made(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = _project(tmp_path, db_env)
    db_env.latency = 0.1
    mark = db_env.mark()
    deploy_now(root, db_env)
    requests = db_env.requests[mark:]
    [record] = [r for r in requests if r.path == "/api/2.0/workspace/export"
                and r.query["path"].endswith("/sync-manifest.json")]
    folders = [r for r in requests if r.path == "/api/2.0/workspace/mkdirs"
               and "/files" in r.body["path"]]
    # In flight together: one round trip before the uploads, not two.
    assert folders and all(r.received < record.answered for r in folders)
    assert all(record.received < r.answered for r in folders)


def test_a_file_edited_in_the_workspace_is_replaced_only_when_it_changes_locally(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = _project(tmp_path, db_env)
    _, ws = deploy_now(root, db_env)
    remote = db_env.state.objects[f"{ws.file_path}/src/p0/m0.py"]
    remote.content = b"X = 'edited in the UI'\n"
    mark = db_env.mark()
    deploy_now(root, db_env)  # the sync trusts its record of the last deploy
    assert not _imports(db_env, mark)
    assert db_env.state.objects[f"{ws.file_path}/src/p0/m0.py"].content == remote.content
    (root / "src" / "p0" / "m0.py").write_text("X = 'changed here'\n")
    deploy_now(root, db_env)
    assert db_env.state.objects[f"{ws.file_path}/src/p0/m0.py"].content == b"X = 'changed here'\n"


def test_folders_left_empty_by_deleted_files_are_removed(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = _project(tmp_path, db_env)
    (root / "src" / "p0" / "deep").mkdir()
    (root / "src" / "p0" / "deep" / "n.py").write_text("N = 1\n")
    _, ws = deploy_now(root, db_env)
    files = ws.file_path
    db_env.add_notebook(f"{files}/src/p1/Added in the UI")
    for folder in ("p0", "p1"):
        for path in (root / "src" / folder).rglob("*.py"):
            path.unlink()
    deploy_now(root, db_env)
    left = db_env.paths_under(f"{files}/src")
    # p0 and the folder in it are gone; p1 still holds a notebook added in the workspace.
    assert not [p for p in left if "/src/p0" in p]
    assert f"{files}/src/p1/Added in the UI" in left
    assert f"{files}/src/p2" in left and f"{files}/src/p1" in left


@pytest.mark.slow
def test_a_sync_killed_mid_way_is_finished_by_the_next_deploy(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = _project(tmp_path, db_env)
    (root / "src" / "old").mkdir()
    for i in range(4):
        (root / "src" / "old" / f"o{i}.py").write_text(f"O = {i}\n")
    _, ws = deploy_now(root, db_env)
    files = ws.file_path
    # The next deploy deletes a folder, changes files and adds files in new folders.
    for path in (root / "src" / "old").iterdir():
        path.unlink()
    for i in range(0, FILES, 5):
        (root / "src" / f"p{i % 3}" / f"m{i}.py").write_text(f"X = 'changed {i}'\n")
    for i in range(30):
        (root / "src" / f"new{i % 3}").mkdir(exist_ok=True)
        (root / "src" / f"new{i % 3}" / f"n{i}.py").write_text(f"N = {i}\n")
    db_env.latency = 0.05
    mark = db_env.mark()
    proc = start_cli(root, *DEPLOY, env={"MLOPS_STACKS_PARALLELISM": "4"})
    try:
        deadline = time.monotonic() + 120
        while len(_imports(db_env, mark)) < 8 and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(_imports(db_env, mark)) < 30 + FILES // 5  # killed during the uploads

    cli(root, *DEPLOY, "--force-lock", check=True)
    state = json.loads(db_env.state.objects[f"{ws.state_path}/deployment-state.json"].content)
    remote = {p[len(files) + 1:]: db_env.state.objects[p] for p in db_env.paths_under(files)
              if p != files}
    synced = {rel for rel, obj in remote.items() if obj.object_type != "DIRECTORY"}
    assert synced == set(state["files"]) == set(select_files(root))  # every file, nothing else
    assert not [rel for rel in remote if rel.startswith("src/old")]  # nor its folder
    for rel in synced:
        assert remote[rel].content == (root / rel).read_bytes(), rel
