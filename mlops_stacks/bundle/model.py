"""``Bundle``: the resolved, validated configuration of one bundle for one target.

This is what the bundle pipeline produces and what ``deploy/``, ``runner/``
and the CLI consume. ``tree`` keeps source locations; ``config`` is the same
data as plain Python values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlops_stacks.bundle.nodes import Node, to_plain
from mlops_stacks.bundle.schema.loader import resource_kinds
from mlops_stacks.diagnostics import Diagnostics
from mlops_stacks.jsontypes import JsonObject, JsonValue

#: ``workspace.host`` value that selects the embedded local workspace.
LOCAL_HOST = "local"

#: Kinds that others depend on come first (containers before contents, models
#: before the jobs and endpoints that use them); the rest follow by name.
_FIRST = (
    "catalogs",
    "schemas",
    "volumes",
    "secret_scopes",
    "secrets",
    "experiments",
    "models",
    "registered_models",
    "clusters",
    "instance_pools",
    "sql_warehouses",
    "pipelines",
    "jobs",
    "model_serving_endpoints",
    "quality_monitors",
)

#: Every resource kind of the bundle format, in deployment order.
RESOURCE_KINDS = _FIRST + tuple(k for k in resource_kinds() if k not in _FIRST)


def sync_root(root: Path, paths: Iterable[JsonValue] | None) -> Path:
    """The common folder of the bundle ``root`` and every ``sync.paths`` entry."""
    root = Path(root).resolve()
    folders = [root] + [(root / str(p)).resolve() for p in paths or ()
                        if isinstance(p, str) and p and "${" not in p]
    return Path(os.path.commonpath([str(f) for f in folders]))


@dataclass
class Bundle:
    root: Path
    """Directory that holds ``databricks.yml`` (the sync root)."""
    target: str
    """Name of the selected target."""
    tree: Node
    """Fully merged and resolved configuration, with source locations."""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    """Everything the pipeline reported (warnings included)."""

    @cached_property
    def config(self) -> JsonObject:
        """The configuration as plain Python values."""
        return to_plain(self.tree) or {}

    @property
    def name(self) -> str:
        return str(self.config.get("bundle", {}).get("name", ""))

    @property
    def workspace(self) -> JsonObject:
        return self.config.get("workspace") or {}

    @property
    def host(self) -> str:
        return str(self.workspace.get("host") or "")

    @property
    def is_local(self) -> bool:
        """True when this target deploys to the embedded local workspace."""
        return self.host == LOCAL_HOST

    @property
    def mode(self) -> str | None:
        mode = self.config.get("bundle", {}).get("mode")
        return None if mode is None else str(mode)

    @cached_property
    def sync_root(self) -> Path:
        """The folder files are synced from: the bundle root, or, when ``sync.paths``
        reaches outside it (shared code in ``../common``), the folder that holds them all."""
        return sync_root(self.root, (self.config.get("sync") or {}).get("paths"))

    def sync_settings(self) -> JsonObject:
        """``sync`` with ``paths`` made relative to ``sync_root`` (for the file sync)."""
        sync = dict(self.config.get("sync") or {})
        paths = sync.get("paths")
        if paths:
            base = self.sync_root
            sync["paths"] = [
                Path(os.path.relpath((self.root / str(p)).resolve(), base)).as_posix()
                for p in paths
            ]
        return sync

    def resources(self, kind: str) -> dict[str, JsonObject]:
        """Resources of one kind, by key (``{}`` when there are none)."""
        return (self.config.get("resources") or {}).get(kind) or {}

    def local_path(self, workspace_path: str) -> Path | None:
        """The bundle file behind a path under ``workspace.file_path``, or ``None``.

        Notebook paths carry no extension in the workspace, so ``.py`` and
        ``.ipynb`` are tried when the path itself is not a file.
        """
        base = str(self.workspace.get("file_path") or "").rstrip("/")
        if not base or not (workspace_path == base or workspace_path.startswith(base + "/")):
            return None
        local = self.sync_root / workspace_path[len(base):].lstrip("/")
        if local.exists():
            return local
        for suffix in (".py", ".ipynb"):
            candidate = local.with_name(local.name + suffix)
            if candidate.is_file():
                return candidate
        return None

    def all_resources(self) -> list[tuple[str, str, JsonObject]]:
        """``(kind, key, definition)`` for every resource, in deployment order."""
        return [
            (kind, key, spec)
            for kind in RESOURCE_KINDS
            for key, spec in sorted(self.resources(kind).items())
        ]
