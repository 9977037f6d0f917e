"""Merging configuration trees the way bundles do.

Used when included files join the root file and when a target's overrides
are laid over the top-level configuration:

- mappings merge key by key, the overriding side winning;
- sequences concatenate, except the keyed lists of a job, which merge entry
  by entry on their key (``tasks`` by ``task_key``, ``job_clusters`` by
  ``job_cluster_key``, ``parameters`` by ``name``, ``environments`` by
  ``environment_key``);
- a scalar (or a value of another kind) replaces what was there;
- a ``null`` override changes nothing (``dev:`` with no body is common).

Merging mutates and returns ``base``; the values taken from ``over`` keep
their own source locations.
"""

from __future__ import annotations

from mlops_stacks.bundle.nodes import Node

Path = tuple[str | int, ...]

#: List fields of a job that merge by a key field instead of concatenating.
JOB_LIST_KEYS = {
    "tasks": "task_key",
    "job_clusters": "job_cluster_key",
    "parameters": "name",
    "environments": "environment_key",
}


def list_key(path: Path) -> str | None:
    """The key field of the list at ``path``, if that list merges by key."""
    if len(path) == 4 and path[0] == "resources" and path[1] == "jobs":
        field = path[3]
        if isinstance(field, str):
            return JOB_LIST_KEYS.get(field)
    return None


def merge(base: Node | None, over: Node | None, path: Path = ()) -> Node | None:
    """Merge ``over`` into ``base`` (see module docstring) and return the result."""
    if over is None or over.value is None:
        return base
    if base is None or base.value is None:
        return over
    if isinstance(base.value, dict) and isinstance(over.value, dict):
        for key, value in over.value.items():
            base.value[key] = merge(base.value.get(key), value, path + (key,)) or value
        return base
    if isinstance(base.value, list) and isinstance(over.value, list):
        key_field = list_key(path)
        if key_field is None:
            return Node(base.value + over.value, base.loc)
        return Node(_merge_keyed(base.value, over.value, key_field, path), base.loc)
    return over


def _entry_key(node: Node, key_field: str) -> object:
    child = node.get(key_field)
    return child.value if child is not None else None


def _merge_keyed(base: list[Node], over: list[Node], key_field: str, path: Path) -> list[Node]:
    out = list(base)
    index: dict[object, int] = {}
    for i, node in enumerate(out):
        k = _entry_key(node, key_field)
        if k is not None:
            index.setdefault(k, i)
    for node in over:
        k = _entry_key(node, key_field)
        if k is not None and k in index:
            i = index[k]
            out[i] = merge(out[i], node, path + (i,)) or node
        else:
            if k is not None:
                index[k] = len(out)
            out.append(node)
    return out
