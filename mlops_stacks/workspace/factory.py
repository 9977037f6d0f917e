"""``open_workspace``: the workspace backend for a bundle's target."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING

from mlops_stacks.errors import WorkspaceError

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace


def open_workspace(bundle: Bundle, *, profile: str | None = None) -> Workspace:
    """The local workspace when ``workspace.host`` is ``local``, else the Databricks one.

    ``profile`` (``-p/--profile``) names the ``~/.databrickscfg`` profile to
    authenticate with, instead of the target's ``workspace.profile``.
    """
    if bundle.is_local:
        from mlops_stacks.workspace.local import LocalWorkspace

        return LocalWorkspace.for_bundle(bundle)
    opener = _databricks_opener()
    if opener is None:
        raise WorkspaceError(
            f"Target '{bundle.target}' deploys to {bundle.host or 'a Databricks workspace'}: "
            "Databricks targets need the Databricks backend, which this installation of "
            "mlops-stacks does not provide yet.",
            hint="Use the local target (`-t local`, workspace.host: local), or deploy this "
            f"target with the Databricks CLI (`databricks bundle deploy -t {bundle.target}`).",
        )
    return opener(bundle, profile=profile)


def _databricks_opener() -> Callable[..., Workspace] | None:
    """``workspace.databricks.open_databricks_workspace`` when that backend is present."""
    if importlib.util.find_spec("mlops_stacks.workspace.databricks") is None:
        return None
    module = importlib.import_module("mlops_stacks.workspace.databricks")
    return getattr(module, "open_databricks_workspace", None)
