"""Glob patterns for ``include:``, matched inside one folder and nowhere else.

``*``, ``?`` and ``[...]`` match within one path part, ``**`` matches any
number of folders (zero included); wildcards skip names starting with ``.``
unless the pattern part does too, as ``glob`` does. Unlike ``glob.glob``:

- ``**`` never descends into a symbolic link to a folder, so links that loop
  (``a -> .``) cannot make a walk endless;
- the walk keeps no recursion (deep folder trees cannot exhaust the stack);
- a match is returned only when its real path (links followed) lies inside the
  base folder.

Patterns that are absolute or hold a ``..`` part are refused by the caller
(``escapes``) before any walk.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

_MAGIC = frozenset("*?[")


def escapes(pattern: str) -> bool:
    """Whether ``pattern`` is absolute or has a ``..`` part."""
    if os.path.isabs(pattern) or pattern.startswith(("/", "\\")):
        return True
    return ".." in pattern.replace("\\", "/").split("/")


def _parts(pattern: str) -> list[str]:
    parts: list[str] = []
    for part in pattern.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "**" and parts and parts[-1] == "**":
            continue  # "**/**" is "**"
        parts.append(part)
    if parts and parts[-1] == "**":
        parts.append("*")  # "dir/**": every file below
    return parts


def _names(folder: str, part: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return [e for e in entries
                    if fnmatch.fnmatchcase(e.name, part)
                    and (part.startswith(".") or not e.name.startswith("."))]
    except OSError:
        return []


def expand(pattern: str, base: Path) -> list[Path]:
    """The files under ``base`` matching ``pattern``, resolved and sorted."""
    parts = _parts(pattern)
    if not parts:
        return []
    real_base = base.resolve()
    found: set[Path] = set()
    seen: set[tuple[str, int]] = set()
    stack: list[tuple[str, int]] = [(str(base), 0)]
    while stack:
        folder, index = stack.pop()
        if (folder, index) in seen:
            continue
        seen.add((folder, index))
        part, last = parts[index], index == len(parts) - 1
        if part == "**":  # never last (see _parts)
            stack.append((folder, index + 1))  # zero folders
            for entry in _names(folder, "*"):
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, index))
            continue
        if _MAGIC & set(part):
            paths = [e.path for e in _names(folder, part)]
        else:
            paths = [os.path.join(folder, part)]
        for path in paths:
            if last:
                if os.path.isfile(path):
                    found.add(Path(path))
            elif os.path.isdir(path):
                stack.append((path, index + 1))
    resolved = (p.resolve() for p in found)
    return sorted(p for p in resolved if p.is_relative_to(real_base))
