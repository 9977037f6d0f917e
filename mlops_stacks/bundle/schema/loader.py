"""The bundle JSON schema shipped with mlops-stacks, and its editor flavour."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "bundle_schema.json"

#: What a ``${...}`` reference looks like, for editors validating unresolved files.
REFERENCE_PATTERN = r"\$\{[^{}]+\}"


@functools.lru_cache(maxsize=1)
def _text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """The schema as a dict (a fresh copy callers may change)."""
    return json.loads(_text())


def editor_schema() -> dict[str, Any]:
    """The schema for editors: every non-string value may also be a ``${...}`` reference.

    Editors (yaml-language-server) see the files as written, before
    references are resolved, so typed fields must accept reference strings.
    """
    schema = load_schema()
    return _allow_references(copy.deepcopy(schema))


def _allow_references(node: Any) -> Any:
    if isinstance(node, list):
        return [_allow_references(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _allow_references(v) for k, v in node.items()}
    types = out.get("type")
    if types is None or types == "string":
        return out
    if isinstance(types, list) and "string" in types:
        return out
    reference = {"type": "string", "pattern": REFERENCE_PATTERN}
    description = out.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [out, reference]}
    if description:
        wrapped["description"] = description
    return wrapped
