"""``bundle_summary``: the facts about a loaded bundle that ``validate`` and ``summary`` show."""

from __future__ import annotations

from mlops_stacks.bundle.model import Bundle
from mlops_stacks.jsontypes import JsonObject


def bundle_summary(bundle: Bundle) -> JsonObject:
    """Name, target, mode, host, user, workspace paths and resource counts per kind."""
    workspace = bundle.workspace
    user = workspace.get("current_user") or {}
    resources = bundle.config.get("resources") or {}
    return {
        "name": bundle.name,
        "target": bundle.target,
        "mode": bundle.mode,
        "host": bundle.host,
        "user": user.get("userName"),
        "root": str(bundle.root),
        "paths": {key: workspace.get(key) for key in
                  ("root_path", "file_path", "state_path", "artifact_path")},
        "resources": {kind: len(items or {}) for kind, items in sorted(resources.items())
                      if isinstance(items, dict)},
    }
