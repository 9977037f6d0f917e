"""The bundle's registered models as the local MLflow store has them: versions and aliases.

``list_models(bundle, workspace)`` reads the target's store read-only (no MLflow
import). On Databricks the registry lives in Unity Catalog: ``models list``
points at each model's page instead.

It reads what is deployed through ``summary.summarize``, so it sits above
``deploy/`` and ``workspace/`` (as ``summary.py`` does), not inside the workspace layer.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.local import LocalWorkspace
    from mlops_stacks.workspace.protocol import Workspace


@dataclass
class VersionInfo:
    version: str
    aliases: list[str]
    run_id: str
    created: float
    """Seconds since the epoch."""


@dataclass
class ModelInfo:
    key: str
    name: str
    deployed: bool
    versions: list[VersionInfo] = field(default_factory=list)
    """Newest first."""
    url: str | None = None

    def to_dict(self) -> JsonObject:
        return asdict(self)


def list_models(bundle: Bundle, workspace: Workspace) -> list[ModelInfo]:
    """Each registered model of the bundle (deployed or not) with its versions and aliases."""
    from mlops_stacks.summary import summarize
    from mlops_stacks.workspace.local import LocalWorkspace

    summary = summarize(bundle, workspace)
    models = [r for r in summary.resources if r.kind in ("registered_models", "models")]
    out = [ModelInfo(r.key, r.id or r.name or r.key, r.deployed,
                     url=None if isinstance(workspace, LocalWorkspace) else r.open)
           for r in models]
    if isinstance(workspace, LocalWorkspace) and workspace.mlflow.db_file.is_file():
        _read_versions(workspace, [m for m in out if m.deployed])
    return out


def _read_versions(workspace: LocalWorkspace, models: list[ModelInfo]) -> None:
    db = workspace.mlflow.db_file
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
            for model in models:
                aliases: dict[str, list[str]] = {}
                for alias, version in conn.execute(
                        "SELECT alias, version FROM registered_model_aliases WHERE name = ? "
                        "ORDER BY alias", (model.name,)):
                    aliases.setdefault(str(version), []).append(str(alias))
                for version, run_id, created in conn.execute(
                        "SELECT version, run_id, creation_time FROM model_versions "
                        "WHERE name = ? ORDER BY version DESC", (model.name,)):
                    model.versions.append(VersionInfo(
                        str(version), aliases.get(str(version), []), str(run_id or ""),
                        (created or 0) / 1000))
    except sqlite3.Error as exc:
        raise WorkspaceError(f"Cannot read the MLflow store {db}: {exc}.",
                             hint="`mlops-stacks summary` shows where the store is.") from None


__all__ = ["ModelInfo", "VersionInfo", "list_models"]
