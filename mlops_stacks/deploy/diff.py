"""Field-level differences between two configuration values, for plan output.

Paths read like config paths: ``tasks[Train].notebook_task.base_parameters.env``.
Lists whose items are mappings with a ``task_key`` (or ``key``/``name``) are
matched by that key rather than by position, so inserting a task does not show
every later task as changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlops_stacks.jsontypes import JsonObject, JsonValue

#: Marks a side of a change where the field does not exist.
ABSENT: JsonValue = type("Absent", (), {"__repr__": lambda self: "<absent>"})()

_ID_FIELDS = ("task_key", "key", "name")


@dataclass(frozen=True)
class Change:
    path: str
    old: JsonValue
    new: JsonValue

    @property
    def op(self) -> str:
        if self.old is ABSENT:
            return "add"
        if self.new is ABSENT:
            return "remove"
        return "change"

    def to_dict(self) -> JsonObject:
        out: JsonObject = {"path": self.path, "op": self.op}
        if self.old is not ABSENT:
            out["old"] = self.old
        if self.new is not ABSENT:
            out["new"] = self.new
        return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _id_field(*sides: list[JsonValue]) -> str | None:
    """The field that identifies items on both sides (unique within each), if any."""
    for name in _ID_FIELDS:
        if not all(isinstance(i, dict) and name in i for side in sides for i in side):
            continue
        if all(len({str(i[name]) for i in side}) == len(side) for side in sides):
            return name
    return None


def diff(old: JsonValue, new: JsonValue, path: str = "") -> list[Change]:
    """Every leaf-level change from ``old`` to ``new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Change] = []
        for key in list(old) + [k for k in new if k not in old]:
            out.extend(diff(old.get(key, ABSENT), new.get(key, ABSENT), _join(path, key)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        field = _id_field(old, new) if (old or new) else None
        if field is not None:
            olds = {str(i[field]): i for i in old}
            news = {str(i[field]): i for i in new}
            out = []
            for k in list(olds) + [k for k in news if k not in olds]:
                out.extend(diff(olds.get(k, ABSENT), news.get(k, ABSENT), f"{path}[{k}]"))
            return out
        out = []
        for i in range(max(len(old), len(new))):
            out.extend(diff(old[i] if i < len(old) else ABSENT,
                            new[i] if i < len(new) else ABSENT, f"{path}[{i}]"))
        return out
    if old is ABSENT and new is ABSENT:
        return []
    if old == new and type(old) is type(new):
        return []
    return [Change(path, old, new)]


def render_value(value: JsonValue, limit: int = 60) -> str:
    """A short one-line rendering of a value for plan output."""
    import json

    if value is ABSENT:
        return "(none)"
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."
