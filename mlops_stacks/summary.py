"""What is deployed to a target and how to open it: ``summarize(bundle, workspace)``.

The library behind ``mlops-stacks summary`` (and ``open``'s resource look-up):
typed results, no printing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace, WorkspaceInfo


@dataclass
class ResourceSummary:
    """One resource of the bundle or of the deployment state."""

    kind: str
    key: str
    name: str | None
    id: str | None
    deployed: bool
    in_bundle: bool
    open: str | None = None
    """How to open it: a URL (Databricks), a command (local), or ``None`` when not deployed."""


@dataclass
class Summary:
    bundle: str
    target: str
    mode: str | None
    root: str
    workspace: WorkspaceInfo
    serial: int
    updated_at: str | None
    files: int
    resources: list[ResourceSummary] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[ResourceSummary]:
        return [r for r in self.resources if r.kind == kind]

    def find(self, key: str) -> list[ResourceSummary]:
        """Resources named ``key`` or ``kind.key`` (several kinds may share a key)."""
        kind, _, rest = key.partition(".")
        if rest:
            return [r for r in self.resources if r.kind == kind and r.key == rest]
        return [r for r in self.resources if r.key == key]

    def to_dict(self) -> JsonObject:
        """The shape of ``summary -o json``: resources grouped by kind, then key."""
        resources: dict[str, JsonObject] = {}
        for r in self.resources:
            entry = {k: v for k, v in asdict(r).items() if k not in ("kind", "key")}
            if entry["open"] is None:
                del entry["open"]
            resources.setdefault(r.kind, {})[r.key] = entry
        return {
            "bundle": {"name": self.bundle, "target": self.target, "mode": self.mode,
                       "root": self.root},
            "workspace": self.workspace.to_dict(),
            "deployment": {"serial": self.serial, "updated_at": self.updated_at,
                           "files": self.files},
            "resources": resources,
        }


def summarize(bundle: Bundle, workspace: Workspace) -> Summary:
    """The bundle, its workspace, the last deployment and every resource with its ID."""
    from mlops_stacks.bundle.model import RESOURCE_KINDS
    from mlops_stacks.deploy import load_state
    from mlops_stacks.workspace.protocol import ResourceRef

    state = load_state(workspace, bundle.name, bundle.target)
    out = Summary(
        bundle=bundle.name, target=bundle.target, mode=bundle.mode, root=str(bundle.root),
        workspace=workspace.info(), serial=state.serial, updated_at=state.updated_at or None,
        files=len(state.files),
    )
    kinds = list(RESOURCE_KINDS) + sorted(set(state.resources) - set(RESOURCE_KINDS))
    for kind in kinds:
        configured = bundle.resources(kind)
        for key in sorted(set(configured) | set(state.resources.get(kind, {}))):
            deployed = state.get(kind, key)
            config = configured.get(key) or (deployed.config if deployed else {})
            name = deployed.name if deployed and deployed.name else config.get("name")
            opener = None
            if deployed is not None:
                opener = workspace.resource_locator(
                    ResourceRef(kind, key, deployed.id, name=deployed.name))
            out.resources.append(ResourceSummary(
                kind, key, name, deployed.id if deployed else None, deployed is not None,
                key in configured, opener))
    return out


__all__ = ["ResourceSummary", "Summary", "summarize"]
