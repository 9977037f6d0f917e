"""Find where in the source a config path (or a mapping key) was written.

Nodes remember where their *value* starts. For a diagnostic about a key (an
unknown field, say) users want the line of the key itself, which for a nested
mapping is the line above its first child. ``key_location`` finds it by
reading the source text back from the value's position.
"""

from __future__ import annotations

import functools
import re

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Location

#: How many lines above a value we look for its key (comments, blank lines).
_LOOKBACK = 40


@functools.lru_cache(maxsize=64)
def _lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return tuple(f.read().splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def clear_cache() -> None:
    """Forget cached file contents (files changed on disk)."""
    _lines.cache_clear()


def node_at(tree: Node, path: tuple[str | int, ...] | list[str | int]) -> Node | None:
    """The node at ``path`` below ``tree``, or ``None``."""
    return tree.at(*path)


def nearest_node(tree: Node, path: tuple[str | int, ...] | list[str | int]) -> Node:
    """The deepest existing node along ``path`` (``tree`` itself at worst)."""
    node = tree
    for part in path:
        child = node.at(part)
        if child is None:
            break
        node = child
    return node


def key_location(parent: Node, key: str) -> Location:
    """Location of ``key:`` inside the mapping ``parent`` (falls back to the value's)."""
    child = parent.get(key)
    anchor = child.loc if child is not None else parent.loc
    lines = _lines(anchor.file) if anchor.line > 0 else ()
    if not lines:
        return anchor
    pattern = re.compile(r"(?:^|[\s{,\-])([\"']?" + re.escape(key) + r"[\"']?)\s*:(?:\s|$)")
    first = anchor.line - 1
    for idx in range(min(first, len(lines) - 1), max(-1, first - _LOOKBACK), -1):
        text = lines[idx]
        if idx == first and child is not None and anchor.column > 0:
            text = text[: anchor.column - 1]
        match = pattern.search(text)
        if match:
            return Location(anchor.file, idx + 1, match.start(1) + 1)
    return anchor
