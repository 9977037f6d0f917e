"""What each resource kind means on the local workspace.

``LOCAL_MEANINGS`` is what ``plan`` and ``deploy`` print once per kind; a kind
missing from it runs only on Databricks and is skipped locally (also said once).

- schemas and volumes are folders under the target's directory; a task finds
  the local folder of ``/Volumes/<catalog>/<schema>/<volume>/...`` under the
  directory named by the ``MLOPS_STACKS_VOLUMES`` environment variable
  (``runner/volumes.py`` does the mapping);
- a serving endpoint is served with ``mlops-stacks serve``; like on Databricks,
  it is deferred (not failed) while the model version it serves is not
  registered yet.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

# The folder handed to tasks (runner/volumes.py maps /Volumes/... paths into it).
from mlops_stacks.jsontypes import JsonMapping
from mlops_stacks.runner.volumes import VOLUMES_ENV as VOLUMES_ENV

LOCAL_MEANINGS = {
    "experiments": "MLflow experiments in the target's MLflow store",
    "models": "models in the target's MLflow model registry",
    "registered_models": "models in the target's MLflow model registry",
    "jobs": "run with `mlops-stacks run`",
    "schemas": "folders under .mlops-stacks/<target>/volumes/<catalog>/<schema>",
    "volumes": "folders under .mlops-stacks/<target>/volumes/; tasks read /Volumes/... paths "
    f"there through ${VOLUMES_ENV}",
    "quality_monitors": "recorded; the monitoring job computes the metrics locally",
    "model_serving_endpoints": "served locally with `mlops-stacks serve`",
}


def folder_of(volumes_dir: Path, kind: str, config: JsonMapping) -> Path | None:
    """The folder of a schema or volume (``None`` for other kinds or incomplete names)."""
    parts = {
        "schemas": ("catalog_name", "name"),
        "volumes": ("catalog_name", "schema_name", "name"),
    }.get(kind)
    if parts is None:
        return None
    names = [str(config.get(p) or "") for p in parts]
    if not all(names) or any(n in (".", "..") or "/" in n or "\\" in n for n in names):
        return None
    return volumes_dir.joinpath(*names)


def remove_folder(folder: Path | None, kind: str) -> None:
    """Delete a volume's folder (and its files); a schema's only when empty."""
    if folder is None or not folder.is_dir():
        return
    if kind == "volumes":
        shutil.rmtree(folder, ignore_errors=True)
    else:
        try:
            folder.rmdir()
        except OSError:
            pass


def served_versions(config: JsonMapping) -> list[tuple[str, str]]:
    """``(model name, version)`` of each served entity of a serving endpoint config."""
    cfg = config.get("config") or {}
    out = []
    for entity in (cfg.get("served_entities") or []) + (cfg.get("served_models") or []):
        if not isinstance(entity, Mapping):
            continue
        name = entity.get("entity_name") or entity.get("model_name")
        version = entity.get("entity_version") or entity.get("model_version")
        if name and version:
            out.append((str(name), str(version)))
    return out
