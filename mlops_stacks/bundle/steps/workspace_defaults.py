"""DefineWorkspaceDefaults: fill the workspace paths the user did not set.

Reads: ``workspace.*``, ``bundle.name``, ``bundle.target``, ``ctx.user``.
Changes: ``workspace.root_path`` (default
``/Workspace/Users/<userName>/.bundle/<bundle name>/<target>``; a leading
``~`` expands to ``/Workspace/Users/<userName>``; ``/Users/...`` and
``/Shared/...`` get the ``/Workspace`` prefix), ``file_path``
(``<root_path>/files``), ``state_path`` (``<root_path>/state``),
``artifact_path`` (``<root_path>/artifacts``); ``ctx.root_path_defaulted``.
When the user is unknown the paths keep ``${workspace.current_user.userName}``.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics

USER_REF = "${workspace.current_user.userName}"
SUBPATHS = {"file_path": "files", "state_path": "state", "artifact_path": "artifacts"}


def _user_name(ctx: Context) -> str:
    if ctx.user is not None and ctx.user.get("userName"):
        return str(ctx.user["userName"])
    return USER_REF


def _workspace_prefix(path: str) -> str:
    for head in ("/Users/", "/Shared/"):
        if path.startswith(head):
            return "/Workspace" + path
    return path


class DefineWorkspaceDefaults:
    name = "define_workspace_defaults"

    def apply(self, ctx: Context) -> Diagnostics:
        tree = ctx.tree
        if tree is None:
            return Diagnostics()
        workspace = tree.get("workspace")
        if workspace is None or not workspace.is_map:
            workspace = Node({}, ctx.root_file_location())
            tree.value["workspace"] = workspace
        home = f"/Workspace/Users/{_user_name(ctx)}"
        root = workspace.get("root_path")
        if root is None or root.value in (None, ""):
            ctx.root_path_defaulted = True
            name = tree.at("bundle", "name")
            target = tree.at("bundle", "target")
            value = f"{home}/.bundle/{name.value if name else ''}/{target.value if target else ''}"
            root = Node(value, workspace.loc)
            workspace.value["root_path"] = root
        if isinstance(root.value, str):
            if root.value == "~" or root.value.startswith("~/"):
                root.value = home + root.value[1:]
            root.value = _workspace_prefix(root.value.rstrip("/") or "/")
        for key, sub in SUBPATHS.items():
            node = workspace.get(key)
            if node is None or node.value in (None, ""):
                workspace.value[key] = Node(f"{root.value}/{sub}", root.loc)
            elif isinstance(node.value, str):
                if node.value == "~" or node.value.startswith("~/"):
                    node.value = home + node.value[1:]
                node.value = _workspace_prefix(node.value)
        return Diagnostics()
