"""What a deploy wants: the bundle's resources, in dependency order, for one workspace.

- Every kind under ``resources`` is included, in ``DEPLOY_ORDER`` (schemas
  before the volumes and models in them, pipelines before the jobs that run
  them, ...); kinds not listed come last, alphabetically.
- A dashboard's ``file_path`` (a ``.lvdash.json`` file of the bundle) is read
  into ``serialized_dashboard``, so editing the file changes the plan.
- ``select`` keeps only the named resources (``KEY`` or ``KIND.KEY``) and
  what they reference: through ``${resources.<kind>.<key>.id}`` (resolved at
  deploy time), or by a value the loader filled in from
  ``${resources.<kind>.<key>.name}`` (the other resource's name appears in it).
- Kinds the workspace cannot hold (``Workspace.local_meanings`` lacks them)
  are left out, and ``kind_notes`` says so once per kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.errors import UsageError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle

DEPLOY_ORDER = (
    "secret_scopes",
    "schemas",
    "volumes",
    "clusters",
    "experiments",
    "models",
    "registered_models",
    "pipelines",
    "jobs",
    "quality_monitors",
    "dashboards",
    "model_serving_endpoints",
)

DATABRICKS_ONLY = "runs only on Databricks; skipped on the local workspace"

_REF = re.compile(r"\$\{resources\.([A-Za-z0-9_]+)\.([A-Za-z0-9_\-]+)\.[A-Za-z0-9_.\-]+\}")

Resource = tuple[str, str, JsonObject]


def kind_rank(kind: str) -> tuple[int, str]:
    return (DEPLOY_ORDER.index(kind) if kind in DEPLOY_ORDER else len(DEPLOY_ORDER), kind)


@dataclass
class Desired:
    resources: list[Resource]
    kind_notes: list[str] = field(default_factory=list)
    """One line per kind on a workspace that gives it a local meaning or skips it."""
    selected: set[tuple[str, str]] | None = None
    """With ``select``: the (kind, key) pairs in scope; nothing else is created or deleted."""


def _dashboard(root: Path, key: str, spec: JsonObject) -> JsonObject:
    path = spec.get("file_path")
    if not path or spec.get("serialized_dashboard"):
        return spec
    local = Path(str(path))
    if not local.is_absolute():
        local = root / local
    try:
        text = local.read_text(encoding="utf-8")
    except OSError as exc:
        from mlops_stacks.errors import WorkspaceError

        raise WorkspaceError(
            f"Cannot read dashboard '{key}' from {local}: {exc.strerror or exc}.",
            hint=f"Point resources.dashboards.{key}.file_path at a .lvdash.json file of the "
            "bundle (export one from the dashboard's menu in Databricks).",
        ) from None
    return {**spec, "serialized_dashboard": text}


def references(value: JsonValue) -> set[tuple[str, str]]:
    """``(kind, key)`` of every ``${resources.<kind>.<key>.<field>}`` inside ``value``."""
    if isinstance(value, str):
        return {(m.group(1), m.group(2)) for m in _REF.finditer(value)}
    if isinstance(value, Mapping):
        return set().union(*(references(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(references(v) for v in value)) if value else set()
    return set()


def identity(kind: str, spec: JsonMapping) -> str | None:
    """The name another resource's configuration would contain when it refers to this one."""
    if kind == "registered_models":
        parts = [spec.get("catalog_name"), spec.get("schema_name"), spec.get("name")]
        if all(isinstance(p, str) and p for p in parts):
            return ".".join(str(p) for p in parts)
    name = spec.get("name")
    return name if isinstance(name, str) and len(name) >= 3 else None


def _strings(value: JsonValue) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _uses(spec: JsonMapping, identities: Mapping[tuple[str, str], str]
          ) -> set[tuple[str, str]]:
    found = references(spec)
    for text in _strings(spec):
        found.update(item for item, name in identities.items() if name in text)
    return found


def _select(resources: list[Resource], select: Iterable[str]) -> set[tuple[str, str]]:
    by_key: dict[str, list[tuple[str, str]]] = {}
    configs = {(kind, key): spec for kind, key, spec in resources}
    for kind, key, _ in resources:
        by_key.setdefault(key, []).append((kind, key))
        by_key.setdefault(f"{kind}.{key}", []).append((kind, key))
    todo: list[tuple[str, str]] = []
    for name in select:
        found = by_key.get(name)
        if not found:
            known = sorted(k for k in by_key if "." in k)
            raise UsageError(
                f"--select {name}: no such resource in this target.",
                hint=f"Resources: {', '.join(known) or 'none'}.",
            )
        if len(found) > 1:
            raise UsageError(
                f"--select {name} is ambiguous: {', '.join(f'{k}.{n}' for k, n in found)}.",
                hint="Name it as KIND.KEY.",
            )
        todo.extend(found)
    identities = {
        (kind, key): ident for kind, key, spec in resources
        if (ident := identity(kind, spec)) is not None
    }  # fmt: skip
    chosen: set[tuple[str, str]] = set()
    while todo:
        item = todo.pop()
        if item in chosen or item not in configs:
            continue
        chosen.add(item)
        own = identities.get(item)
        others = {k: v for k, v in identities.items() if k != item and v != own}
        todo.extend(_uses(configs[item], others))
    return chosen


def desired_resources(
    bundle: Bundle,
    *,
    local_meanings: Mapping[str, str] | None = None,
    select: Iterable[str] | None = None,
) -> Desired:
    """The resources to deploy; see the module docstring."""
    all_resources = (bundle.config.get("resources") or {}) if bundle.config else {}
    resources: list[Resource] = []
    for kind in sorted(all_resources, key=kind_rank):
        items = all_resources.get(kind) or {}
        if not isinstance(items, Mapping):
            continue
        for key in sorted(items):
            spec = dict(items[key] or {})
            if kind == "dashboards":
                spec = _dashboard(bundle.sync_root, key, spec)
            resources.append((kind, key, spec))
    selected = _select(resources, select) if select else None
    notes: list[str] = []
    if local_meanings is not None:
        kept: list[Resource] = []
        for kind in sorted({k for k, _, _ in resources}, key=kind_rank):
            keys = [key for k, key, _ in resources if k == kind]
            meaning = local_meanings.get(kind)
            notes.append(f"{kind} ({', '.join(keys)}): {meaning or DATABRICKS_ONLY}")
        for item in resources:
            if item[0] in local_meanings:
                kept.append(item)
        resources = kept
    return Desired(resources, notes, selected)
