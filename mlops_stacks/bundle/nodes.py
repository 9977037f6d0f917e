"""Configuration values that remember where they came from.

A ``Node`` wraps one YAML value (mapping, sequence or scalar) together with
the ``Location`` it was read from. Every bundle step works on nodes, so that
after merging targets and resolving ``${...}`` references a diagnostic can
still point at the line a user wrote. ``to_plain`` drops the locations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, cast

from mlops_stacks.diagnostics import Location
from mlops_stacks.jsontypes import JsonValue

Scalar = str | int | float | bool | None


class Mark(Protocol):
    """A parser position (PyYAML's ``Mark``): file name, 0-based line and column."""

    name: str
    line: int
    column: int


GENERATED = Location("<generated>")
"""Where values that no file wrote (defaults, computed values) come from."""


class Node:
    """A value with a source location. Mappings hold ``dict[str, Node]``,
    sequences ``list[Node]``, scalars a plain Python value.

    ``loc`` may be given as a ``Location`` or as the parser's ``Mark``; a mark
    becomes a ``Location`` the first time ``loc`` is read. Most values of a
    large bundle never need theirs, so the YAML reader does not pay for
    building one per value.
    """

    __slots__ = ("value", "_loc")

    def __init__(self, value: JsonValue, loc: Location | Mark | None = None) -> None:
        self.value = value
        self._loc = loc if loc is not None else GENERATED

    @property
    def loc(self) -> Location:
        loc = self._loc
        if type(loc) is not Location:
            mark = cast(Mark, loc)
            loc = self._loc = Location(mark.name, mark.line + 1, mark.column + 1)
        return loc

    @loc.setter
    def loc(self, loc: Location | Mark) -> None:
        self._loc = loc

    # -- kind tests -------------------------------------------------------
    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, (dict, list))

    # -- access -------------------------------------------------------------
    def get(self, key: str, default: Node | None = None) -> Node | None:
        """Child of a mapping node, or ``default``."""
        if isinstance(self.value, dict):
            return self.value.get(key, default)
        return default

    def at(self, *keys: str | int) -> Node | None:
        """Follow a path of mapping keys and list indexes; ``None`` if absent."""
        node: Node | None = self
        for key in keys:
            if node is None:
                return None
            if isinstance(key, int):
                items = node.value
                if not isinstance(items, list) or not -len(items) <= key < len(items):
                    return None
                node = node.value[key]
            else:
                node = node.get(key)
        return node

    def ensure_map(self, key: str, loc_from: Node) -> Node:
        """The mapping child ``key`` of this mapping, created (located at ``loc_from``)
        when it is missing or not a mapping."""
        node = self.get(key)
        if node is None or not node.is_map:
            node = Node({}, loc_from.loc)
            self.value[key] = node
        return node

    def items(self) -> Iterator[tuple[str, Node]]:
        if isinstance(self.value, dict):
            yield from self.value.items()

    def copy(self) -> Node:
        """Deep copy (locations are immutable and shared)."""
        if isinstance(self.value, dict):
            return Node({k: v.copy() for k, v in self.value.items()}, self._loc)
        if isinstance(self.value, list):
            return Node([v.copy() for v in self.value], self._loc)
        return Node(self.value, self._loc)

    def __repr__(self) -> str:
        return f"Node({self.value!r} @ {self.loc})"


#: Files whose relative paths are relative to their own folder (configuration files).
CONFIG_SUFFIXES = (".yml", ".yaml", ".json")


def relative_base(node: Node, root: Path) -> Path:
    """The folder a relative path held by ``node`` is relative to.

    A path written in a YAML file is relative to that file's folder; one that no file
    wrote, or that a ``python:`` resource function returned (located at its ``.py``
    line), is relative to the bundle root, as in the Databricks CLI.
    """
    loc = node.loc
    if loc.line and loc.file.endswith(CONFIG_SUFFIXES):
        return Path(loc.file).parent
    return root


def to_plain(node: Node | None) -> JsonValue:
    """The plain Python value of a node tree (dicts, lists, scalars)."""
    if node is None:
        return None
    if isinstance(node.value, dict):
        return {k: to_plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [to_plain(v) for v in node.value]
    return node.value


def from_plain(value: JsonValue, loc: Location | None = None) -> Node:
    """Wrap a plain value (recursively) in nodes that all carry ``loc``."""
    if isinstance(value, Node):
        return value
    if isinstance(value, dict):
        return Node({str(k): from_plain(v, loc) for k, v in value.items()}, loc)
    if isinstance(value, (list, tuple)):
        return Node([from_plain(v, loc) for v in value], loc)
    return Node(value, loc)


def format_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """``['resources', 'jobs', 'x', 'tasks', 0]`` -> ``resources.jobs.x.tasks[0]``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


NodePath = tuple[str | int, ...]


def walk(node: Node, path: NodePath = ()) -> Iterator[tuple[NodePath, Node]]:
    """Yield ``(path, node)`` for ``node`` and every node below it, depth first."""
    stack: list[tuple[NodePath, Node]] = [(path, node)]
    while stack:
        p, n = stack.pop()
        yield p, n
        if isinstance(n.value, dict):
            stack.extend((p + (k,), v) for k, v in reversed(list(n.value.items())))
        elif isinstance(n.value, list):
            stack.extend((p + (i,), v) for i, v in reversed(list(enumerate(n.value))))
