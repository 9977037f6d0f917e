"""Workspaces: where a bundle target is deployed and its jobs run.

``open_workspace(bundle)`` picks the backend for a target: the embedded local
workspace (``local.py``) when ``workspace.host`` is ``local``, else Databricks.
``protocol.py`` defines what every backend provides.
"""

from __future__ import annotations

from mlops_stacks.workspace.factory import open_workspace
from mlops_stacks.workspace.protocol import (
    DATA_HOLDING_KINDS,
    FileInfo,
    LockInfo,
    LockResult,
    ResourceRef,
    Workspace,
    WorkspaceInfo,
)

__all__ = [
    "DATA_HOLDING_KINDS",
    "FileInfo",
    "LockInfo",
    "LockResult",
    "ResourceRef",
    "Workspace",
    "WorkspaceInfo",
    "open_workspace",
]
