"""DefineWorkspaceDefaults: root/file/state/artifact paths."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps.workspace_defaults import DefineWorkspaceDefaults
from tests.bundle.bundle_testkit import plain, targeted


def define(tmp_path: Path, workspace: str = "", user: dict | None = None):
    text = "bundle:\n  name: demo\nworkspace:\n  host: h\n" + workspace + \
        "targets:\n  dev:\n    default: true\n"
    ctx, diags = targeted(tmp_path, {"databricks.yml": text})
    ctx.user = user
    diags.extend(DefineWorkspaceDefaults().apply(ctx))
    return ctx, diags


def test_defaults_under_the_users_home(tmp_path: Path) -> None:
    ctx, diags = define(tmp_path, user={"userName": "jane@example.com"})
    assert not diags and ctx.root_path_defaulted
    root = "/Workspace/Users/jane@example.com/.bundle/demo/dev"
    assert plain(ctx, "workspace") == {
        "host": "h", "root_path": root, "file_path": root + "/files",
        "state_path": root + "/state", "artifact_path": root + "/artifacts"}


def test_unknown_user_keeps_the_reference(tmp_path: Path) -> None:
    ctx, _ = define(tmp_path)
    assert plain(ctx, "workspace", "file_path") == \
        "/Workspace/Users/${workspace.current_user.userName}/.bundle/demo/dev/files"


def test_explicit_root_and_file_path_are_kept(tmp_path: Path) -> None:
    ctx, _ = define(tmp_path, "  root_path: /Workspace/Shared/x\n  file_path: /Workspace/f\n")
    assert not ctx.root_path_defaulted
    assert plain(ctx, "workspace", "root_path") == "/Workspace/Shared/x"
    assert plain(ctx, "workspace", "file_path") == "/Workspace/f"
    assert plain(ctx, "workspace", "state_path") == "/Workspace/Shared/x/state"


def test_tilde_and_users_prefix_expand(tmp_path: Path) -> None:
    ctx, _ = define(tmp_path, "  root_path: ~/.bundle/x\n  state_path: /Users/a/s\n",
                    user={"userName": "u@x.com"})
    assert plain(ctx, "workspace", "root_path") == "/Workspace/Users/u@x.com/.bundle/x"
    assert plain(ctx, "workspace", "state_path") == "/Workspace/Users/a/s"
    ctx, _ = define(tmp_path / "b", "  root_path: /Shared/x/\n")
    assert plain(ctx, "workspace", "root_path") == "/Workspace/Shared/x"
