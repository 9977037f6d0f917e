"""Named types for JSON- and YAML-shaped data whose fields mypy does not check.

The bundle is the user's own YAML; REST answers, run specs and records on disk
are JSON. Their shape is checked where the data enters (the bundle schema and
its checks, ``workspace/databricks/answers.py`` for answers, the readers of each
file), not by mypy, so their values stay ``Any`` — under these names, so a
reader sees what kind of data a signature carries, and ``Any`` elsewhere stands
out as something to type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JsonObject = dict[str, Any]
"""A JSON/YAML object: a bundle's configuration (or a part of it), a REST answer,
a task spec or record read from disk."""

JsonMapping = Mapping[str, Any]
"""A read-only view of a ``JsonObject`` (what a function only reads)."""

JsonValue = Any
"""Any value of such data: an object, a list, a string, a number, a boolean or null."""
