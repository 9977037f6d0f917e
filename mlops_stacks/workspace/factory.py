"""``open_workspace``: the workspace backend for a bundle's target."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from mlops_stacks.errors import WorkspaceError

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace


def open_workspace(bundle: Bundle) -> Workspace:
    """The local workspace when ``workspace.host`` is ``local``, else the Databricks one."""
    if bundle.is_local:
        from mlops_stacks.workspace.local import LocalWorkspace

        return LocalWorkspace.for_bundle(bundle)
    if importlib.util.find_spec("mlops_stacks.workspace.databricks") is None:
        raise WorkspaceError(
            f"Target '{bundle.target}' deploys to {bundle.host or 'a Databricks workspace'}: "
            "Databricks targets need the Databricks backend, which this version of "
            "mlops-stacks does not include.",
            hint="Use the local target (`-t local`, workspace.host: local), or deploy this "
            "target with the Databricks CLI (`databricks bundle deploy -t "
            f"{bundle.target}`).",
        )
    from mlops_stacks.workspace.databricks import open_databricks_workspace

    return open_databricks_workspace(bundle)
