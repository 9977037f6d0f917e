"""The bundle JSON schema shipped with mlops-stacks, and its editor flavour.

``bundle_schema.json`` holds the bundle's own sections (bundle, variables,
targets, ...); ``resource_shapes.json`` holds every resource kind's shape,
generated from maintained packages (``derive.py``). ``load_schema`` joins them.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from mlops_stacks.jsontypes import JsonObject, JsonValue

SCHEMA_FILE = "bundle_schema.json"
SHAPES_FILE = "resource_shapes.json"

#: What a ``${...}`` reference looks like, for editors validating unresolved files.
REFERENCE_PATTERN = r"\$\{[^{}]+\}"


@functools.lru_cache(maxsize=2)
def _text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def task_fields() -> tuple[str, ...]:
    """Every field of a job task (``task_key``, ``depends_on``, ``notebook_task``, ...)."""
    return tuple(json.loads(_text(SHAPES_FILE))["definitions"]["jobs.Task"]["properties"])


def task_types() -> tuple[str, ...]:
    """The fields of a job task that say what it runs (``notebook_task``, ...)."""
    return tuple(name for name in task_fields() if name.endswith("_task"))


def resource_kinds() -> tuple[str, ...]:
    """Every resource kind of the bundle format, sorted."""
    return tuple(json.loads(_text(SHAPES_FILE))["kinds"])


def load_schema() -> JsonObject:
    """The schema as a dict (a fresh copy callers may change)."""
    schema: JsonObject = json.loads(_text(SCHEMA_FILE))
    shapes = json.loads(_text(SHAPES_FILE))
    definitions = schema["definitions"]
    definitions.update(shapes["definitions"])
    definitions["resources"]["properties"] = {
        kind: {"type": "object", "additionalProperties": {"$ref": "#/definitions/" + name}}
        for kind, name in shapes["kinds"].items()
    }
    return schema


def editor_schema() -> JsonObject:
    """The schema for editors: every non-string value may also be a ``${...}`` reference.

    Editors (yaml-language-server) see the files as written, before
    references are resolved, so typed fields must accept reference strings.
    """
    schema = load_schema()
    top = {k: v for k, v in schema.items() if k not in ("properties", "definitions")}
    top["properties"] = _allow_references_in_map(schema["properties"])
    top["definitions"] = _allow_references_in_map(schema["definitions"])
    return top


def _allow_references_in_map(schemas: JsonObject) -> JsonObject:
    """Apply ``_allow_references`` to each schema of a name -> schema mapping."""
    return {name: _allow_references(sub) for name, sub in schemas.items()}


def _allow_references(schema: JsonValue) -> JsonValue:
    """``schema`` with every non-string typed subschema also accepting a reference string."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in ("properties", "definitions", "patternProperties"):
        if isinstance(out.get(key), dict):
            out[key] = _allow_references_in_map(out[key])
    for key in ("items", "additionalProperties", "not"):
        if isinstance(out.get(key), dict):
            out[key] = _allow_references(out[key])
    for key in ("anyOf", "allOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [_allow_references(s) for s in out[key]]
    types = out.get("type")
    if types is None or types == "string" or (isinstance(types, list) and "string" in types):
        return out
    reference = {"type": "string", "pattern": REFERENCE_PATTERN}
    description = out.pop("description", None)
    wrapped: JsonObject = {"anyOf": [out, reference]}
    if description:
        wrapped["description"] = description
    return wrapped
