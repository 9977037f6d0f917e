"""Safe names: what a target name or a resource key may be.

Names become folder and file names of a deployment (the local workspace keeps
``.mlops-stacks/<target>/jobs/<key>.json``), so they are limited to letters
(any script), digits, ``_`` and ``-``, as the Databricks CLI requires of names
that ``${...}`` references reach. Nothing else: no ``/``, no ``..``, no
absolute paths, no control characters.
"""

from __future__ import annotations

import re

#: Letters (any script), digits, ``_`` and ``-``.
SAFE_NAME = re.compile(r"[\w-]+")
#: Longest name in UTF-8 bytes: it becomes a file name (255 bytes at most on most systems).
MAX_NAME_BYTES = 200


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a target name or resource key, or ``None`` when it can."""
    if not name:
        return "is empty"
    if not SAFE_NAME.fullmatch(name):
        return "may only hold letters, digits, '_' and '-'"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None


def shown(name: str, limit: int = 60) -> str:
    """``name`` for a message: shortened, with control and other odd characters escaped."""
    text = name if len(name) <= limit else name[: limit - 3] + "..."
    return text.encode("unicode_escape").decode("ascii").replace('"', '\\"')
