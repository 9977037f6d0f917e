"""The target's workspace host is not a placeholder.

``init --defaults`` writes example hosts into ``databricks.yml``; they name no
workspace, and a deploy to one retries until its deadline. A warning (an error
under ``--strict``, so CI stops at ``validate``) at ``workspace.host``, with
the fix: the real URL in the file, or the template answer that writes it.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostic, warning
from mlops_stacks.hosts import placeholder_reason


def _answer(target: str) -> str:
    """The ``init`` question whose answer writes this target's host."""
    return "prod_workspace_host" if target == "prod" else "staging_workspace_host"


def check_workspace(tree: Node) -> Iterator[Diagnostic]:
    host = tree.at("workspace", "host")
    if host is None or not isinstance(host.value, str) or not host.value:
        return
    reason = placeholder_reason(host.value)
    if reason is None:
        return
    target_node = tree.at("bundle", "target")
    target = str(target_node.value) if target_node is not None else "default"
    where = f"targets.{target}.workspace.host" if target != "default" else "workspace.host"
    key = _answer(target)
    yield warning(
        f'workspace.host of target "{target}" is a placeholder: {host.value} {reason}',
        host.loc,
        path="workspace.host",
        detail=(
            f"Put your {target} workspace URL in {where} (the file and line above). In a "
            f"project from mlops-stacks init, `mlops-stacks update --data "
            f"{key}=https://<your-workspace-host>` rewrites it; for a new project pass "
            f"`--data {key}=https://<your-workspace-host>` to `mlops-stacks init`."
        ),
    )


def is_placeholder_warning(diag: Diagnostic) -> bool:
    """True for this check's warning: renders of a template's example answers expect it."""
    return diag.path == "workspace.host" and "is a placeholder" in diag.summary
