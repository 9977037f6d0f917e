"""Destroy's last step on Databricks: the synced files, the state and the lock go in one
recursive delete of the target's root folder when it holds them (the default layout), and
file by file folder when they live elsewhere."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.deploy import destroy
from mlops_stacks.workspace import open_workspace
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_deploy import ROOT, do_deploy, load, make_project

ELSEWHERE = "/Workspace/Shared/demo-elsewhere"


def _workspace_calls(server: FakeDatabricks, mark: int) -> list[tuple[str, str, bool]]:
    return [(r.path.rsplit("/", 1)[1], str(r.body["path"]), bool(r.body.get("recursive")))
            for r in server.requests[mark:]
            if r.path in ("/api/2.0/workspace/delete", "/api/2.0/workspace/mkdirs",
                          "/api/2.0/workspace/import")]


def test_destroy_deletes_the_root_folder_in_one_recursive_call(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    project = make_project(tmp_path / "demo", db_env.url)
    do_deploy(project, db_env)
    bundle = load(project, db_env)
    ws = open_workspace(bundle)
    mark = db_env.mark()
    destroy(bundle, ws, approve=lambda _a: True)
    calls = _workspace_calls(db_env, mark)
    deletes = [c for c in calls if c[0] == "delete"]
    assert deletes == [("delete", ROOT, True)]
    # Nothing is written after it: the lock went with the folder.
    assert calls[-1] == ("delete", ROOT, True)
    assert db_env.paths_under(ROOT) == [] and db_env.is_empty()


def test_destroy_with_files_and_state_outside_the_root_leaves_nothing(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    project = make_project(tmp_path / "demo", db_env.url)
    yml = project / "databricks.yml"
    yml.write_text(yml.read_text().replace(
        "      host: " + db_env.url,
        f"      host: {db_env.url}\n      file_path: {ELSEWHERE}/files\n"
        f"      state_path: {ELSEWHERE}/state"))
    _, ws = do_deploy(project, db_env)
    assert ws.file_path == f"{ELSEWHERE}/files" and db_env.paths_under(f"{ELSEWHERE}/files")
    bundle = load(project, db_env)
    destroy(bundle, open_workspace(bundle), approve=lambda _a: True)
    assert db_env.paths_under(ELSEWHERE + "/files") == []
    assert db_env.paths_under(ELSEWHERE + "/state") in ([], [ELSEWHERE + "/state"])  # no file
    assert db_env.is_empty()
