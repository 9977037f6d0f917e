"""Which class deploys each resource kind to Databricks."""

from __future__ import annotations

from collections.abc import Mapping

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace.databricks.auth import Connection
from mlops_stacks.workspace.databricks.catalog_kinds import QualityMonitors, Schemas, Volumes
from mlops_stacks.workspace.databricks.compute_kinds import Clusters, Pipelines
from mlops_stacks.workspace.databricks.object_kinds import Dashboards, SecretScopes
from mlops_stacks.workspace.databricks.resources import (
    Experiments,
    Jobs,
    Kind,
    RegisteredModels,
    ServingEndpoints,
    Warn,
    WorkspaceModels,
)

KINDS: dict[str, type[Kind]] = {
    cls.kind: cls
    for cls in (
        Jobs, Experiments, RegisteredModels, WorkspaceModels, ServingEndpoints, Pipelines,
        Schemas, Volumes, QualityMonitors, Clusters, SecretScopes, Dashboards,
    )
}  # fmt: skip


def handler(kind: str, conn: Connection, warn: Warn, context: Mapping[str, str]) -> Kind:
    """The implementation of ``kind``; ``WorkspaceError`` for unsupported kinds."""
    cls = KINDS.get(kind)
    if cls is None:
        raise WorkspaceError(
            f"Resources of kind '{kind}' cannot be deployed to Databricks by mlops-stacks yet.",
            hint=f"Remove resources.{kind} from this target, or deploy it with the Databricks CLI "
            "(`databricks bundle deploy`).",
        )
    return cls(conn, warn, context)
