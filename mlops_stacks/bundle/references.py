"""``${...}`` references: finding them in strings and resolving them against the tree.

A reference is ``${a.b[0].c}``: dot-separated names (letters, digits, ``_``,
``-``), each optionally indexed. ``$${...}`` and other ``$`` text are not
references and stay as written. Aliases: ``${var.x}`` means
``${variables.x.value}``, ``${bundle.environment}`` means ``${bundle.target}``.

``Resolver`` makes one pass over the tree: it collects the strings that
contain references once, then resolves each reference by following its path
from the root (no re-walk per reference), resolving the referenced value
first when it holds references itself (nested resolution, with cycle
detection). A string that is exactly one reference takes the referenced
value's type (numbers, booleans, complex variables); a reference inside a
longer string is replaced by its text. Which references a pass resolves is
given by ``include``/``exclude``; the rest are left for a later pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from mlops_stacks.bundle.nodes import Node, format_path, walk
from mlops_stacks.diagnostics import Diagnostic, Diagnostics, error

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*(?:\[[0-9]+\])*"
REFERENCE = re.compile(r"(?<!\$)\$\{(" + _NAME + r"(?:\." + _NAME + r")*)\}")
_SEGMENT = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")

Key = str | int

#: Longest chain of references (a value refers to one that refers to another ...).
MAX_DEPTH = 100
#: Longest text a substitution may produce: references repeated inside references
#: grow exponentially (8 variables each using the previous one 10 times: 10**8 characters).
MAX_TEXT = 1_000_000
#: Most values that whole-value references to mappings and lists may copy, all together.
MAX_COPIED = 50_000


def find_references(text: str) -> list[str]:
    """The reference paths in ``text`` (``"a ${x.y} b"`` -> ``["x.y"]``)."""
    return REFERENCE.findall(text)


def parse_path(ref: str) -> list[Key]:
    """``"a.b[0].c"`` -> ``["a", "b", 0, "c"]``."""
    return [int(idx) if idx else name for name, idx in _SEGMENT.findall(ref)]


@lru_cache(maxsize=4096)
def _parsed(ref: str) -> tuple[Key, ...]:
    return tuple(canonical(parse_path(ref)))


def canonical(parts: list[Key]) -> list[Key]:
    """Apply the aliases (``var.x`` -> ``variables.x.value``, ``bundle.environment``)."""
    if len(parts) >= 2 and parts[0] == "var":
        return ["variables", parts[1], "value", *parts[2:]]
    if parts[:2] == ["bundle", "environment"]:
        return ["bundle", "target", *parts[2:]]
    return parts


class Leave(Exception):
    """The reference is valid but cannot be resolved yet (deploy time, no user, ...)."""


class Unresolvable(Exception):
    """The reference is an error; ``diagnostic`` says why."""

    def __init__(self, summary: str, detail: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail


@dataclass
class Missing:
    """Where a path lookup stopped: the parts found, the node there and the next key."""

    found: list[Key]
    node: Node
    key: Key


#: Decides what a reference whose path is missing means: raise ``Leave`` to keep it,
#: ``Unresolvable`` to report it. Gets the reference parts and where the lookup stopped.
MissingPolicy = Callable[[list[Key], Missing], None]


def _text(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


class Resolver:
    """Resolve, in place, the references of ``tree`` whose first segment is wanted.

    ``include``/``exclude`` select first segments (``var`` counts as
    ``variables``); ``reported`` is shared between passes so that a bad
    reference is reported once.
    """

    def __init__(self, tree: Node, on_missing: MissingPolicy, *,
                 include: Iterable[str] | None = None, exclude: Iterable[str] = (),
                 reported: set[tuple[int, str]] | None = None) -> None:
        self.tree = tree
        self.include = set(include) if include is not None else None
        self.exclude = set(exclude)
        self.on_missing = on_missing
        self.reported = reported if reported is not None else set()
        self.diags = Diagnostics()
        self._parents: dict[int, tuple[Node, Key, Node]] | None = None
        self._state: dict[int, int] = {}  # id(node) -> 1 in progress, 2 done
        self._broken: set[int] = set()  # nodes on a reported cycle: left as written
        self._depth = 0  # nested resolutions in progress
        self._copied = 0  # values copied by references to mappings and lists
        self._copy_overflow = False

    def wants(self, parts: list[Key]) -> bool:
        if not parts or parts[0] in self.exclude:
            return False
        return self.include is None or parts[0] in self.include

    def run(self) -> Diagnostics:
        for node in self._collect():
            self._resolve_node(node)
        return self.diags

    def _collect(self) -> list[Node]:
        """The strings holding ``${``, in file order (the order problems are reported in)."""
        found: list[Node] = []
        stack = [self.tree] if isinstance(self.tree.value, (dict, list)) else []
        while stack:
            value = stack.pop().value
            for child in value.values() if type(value) is dict else value:
                v = child.value
                t = type(v)
                if t is str:
                    if "${" in v:
                        found.append(child)
                elif t is dict or t is list:
                    stack.append(child)
        found.sort(key=_file_order)
        return found

    def _path(self, node: Node) -> tuple[Key, ...] | None:
        """The config path of ``node`` (for a diagnostic); ``None`` for the root or a stray node."""
        if self._parents is None:  # only problems need paths: map the tree once, on the first
            self._parents = {}
            stack = [self.tree]
            while stack:
                parent = stack.pop()
                value = parent.value
                children = value.items() if type(value) is dict else enumerate(value)
                for key, child in children:
                    self._parents[id(child)] = (parent, key, child)
                    if type(child.value) is dict or type(child.value) is list:
                        stack.append(child)
        parts: list[Key] = []
        while True:
            entry = self._parents.get(id(node))
            if entry is None or entry[2] is not node:  # (the id of a node since replaced)
                break
            node, key, _ = entry
            parts.append(key)
        return tuple(reversed(parts)) if parts else None

    # -- resolution --------------------------------------------------------
    def _resolve_node(self, node: Node) -> None:
        state = self._state.get(id(node))
        if state == 2:
            return
        if state == 1:
            raise _Cycle(node)
        self._state[id(node)] = 1
        self._depth += 1
        try:
            for _ in range(20):  # a substituted text may hold references again
                text = node.value
                if not isinstance(text, str) or "${" not in text:
                    break
                new = self._substitute(node, text)
                if new is None:
                    break
        finally:
            self._depth -= 1
            self._state[id(node)] = 2

    def _substitute(self, node: Node, text: str) -> bool | None:
        """Resolve the references in ``node``'s string once; ``None`` when nothing changed."""
        matches = list(REFERENCE.finditer(text))
        if not matches:
            return None
        whole = len(matches) == 1 and matches[0].group(0) == text
        out: list[str] = []
        last = 0
        changed = False
        for m in matches:
            out.append(text[last:m.start()])
            last = m.end()
            target = self._lookup(node, m.group(1))
            if target is None:
                out.append(m.group(0))
                continue
            changed = True
            if whole:
                if isinstance(target.value, (dict, list)):
                    try:
                        node.value = self._copy(target).value
                    except _TooMany:
                        self._broken.add(id(node))
                        if self._copy_overflow:
                            return None  # reported at the first copy past the limit
                        self._copy_overflow = True
                        self._report(node, m.group(0),
                                     f"copies more than {MAX_COPIED} values in all",
                                     "References to mappings and lists copy them, and "
                                     "references inside those copy again. Refer to each "
                                     "value fewer times.")
                        return None
                else:
                    node.value = target.value
                return True
            if isinstance(target.value, (dict, list)):
                self._report(node, m.group(0),
                             "cannot be placed inside a longer string: it is a "
                             + ("mapping" if isinstance(target.value, dict) else "list"),
                             "Use the reference as the whole value, or refer to one field.")
                out.append(m.group(0))
                continue
            out.append(_text(target.value))
        out.append(text[last:])
        if not changed:
            return None
        if sum(map(len, out)) > MAX_TEXT:
            self._broken.add(id(node))
            self._report(node, matches[0].group(0),
                         f"makes a value longer than {MAX_TEXT} characters",
                         "References inside the referenced values repeat them again and "
                         "again. Refer to each value fewer times.")
            return None
        node.value = "".join(out)
        return True

    def _copy(self, node: Node) -> Node:
        """A deep copy of ``node``, counted against ``MAX_COPIED`` (``_TooMany`` past it)."""
        self._copied += 1
        if self._copied > MAX_COPIED:
            raise _TooMany()
        value = node.value
        if isinstance(value, dict):
            return Node({k: self._copy(v) for k, v in value.items()}, node.loc)
        if isinstance(value, list):
            return Node([self._copy(v) for v in value], node.loc)
        return Node(value, node.loc)

    def _lookup(self, at: Node, ref: str) -> Node | None:
        parts = list(_parsed(ref))
        if not self.wants(parts):
            return None
        node = self.tree
        for i, key in enumerate(parts):
            child = None
            if isinstance(key, int):
                if isinstance(node.value, list) and key < len(node.value):
                    child = node.value[key]
            elif isinstance(node.value, dict):
                child = node.value.get(key)
            if child is None:
                try:
                    self.on_missing(parts, Missing(parts[:i], node, key))
                except Leave:
                    return None
                except Unresolvable as exc:
                    self._report(at, "${" + ref + "}", exc.summary, exc.detail)
                    return None
                return None
            node = child
        if self._depth >= MAX_DEPTH:
            self._broken.add(id(at))
            self._report(at, "${" + ref + "}",
                         f"starts a chain of more than {MAX_DEPTH} references",
                         "A value refers to a value that refers to another, and so on. "
                         "Shorten the chain.")
            return None
        try:
            self._resolve_within(node)
        except _Cycle:
            self._broken.add(id(at))
            self._report(at, "${" + ref + "}", "is part of a reference cycle",
                         "A value refers (directly or through others) to itself. "
                         "Break the cycle.")
            return None
        if id(node) in self._broken:
            self._broken.add(id(at))
            return None
        return node

    def _resolve_within(self, node: Node) -> None:
        if isinstance(node.value, str):
            if "${" in node.value:
                self._resolve_node(node)
            return
        if isinstance(node.value, (dict, list)) and self._state.get(id(node)) != 2:
            for _, child in walk(node):
                if isinstance(child.value, str) and "${" in child.value:
                    self._resolve_node(child)
            self._state[id(node)] = 2  # a mapping or list is walked once

    def _report(self, node: Node, ref: str, summary: str, detail: str) -> None:
        if (id(node), ref) in self.reported:
            return
        self.reported.add((id(node), ref))
        path = self._path(node)
        self.diags.append(self._diag(node, f"reference {ref} {summary}", detail, path))

    @staticmethod
    def _diag(node: Node, summary: str, detail: str, path: tuple[Key, ...] | None) -> Diagnostic:
        return error(summary, node.loc, path=format_path(path) if path else None, detail=detail)


def _file_order(node: Node) -> tuple[str, int, int]:
    loc = node.loc
    return (loc.file, loc.line, loc.column)


class _TooMany(Exception):
    """A copy would pass ``MAX_COPIED``."""


class _Cycle(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node
