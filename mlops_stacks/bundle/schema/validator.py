"""Check a configuration tree against the bundle JSON schema, as diagnostics.

``jsonschema`` does the checking; this module turns its errors into
``Diagnostic`` values that point at the offending node (``file:line:col``)
and config path, and say how to fix the problem:

- unknown fields are warnings (``--strict`` makes them errors), with a
  did-you-mean against the known sibling fields;
- wrong types, bad enum values (with the allowed values) and missing
  required fields are errors.

Values are *references-aware*: a string holding ``${...}`` is accepted
wherever a typed value is expected (it is resolved later, or at deploy
time), and a string that reads as a number or boolean is accepted where one
is expected (variables are strings until they are used).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from mlops_stacks.bundle.nodes import Node, format_path, to_plain
from mlops_stacks.bundle.schema.loader import load_schema
from mlops_stacks.bundle.schema.locate import key_location, nearest_node
from mlops_stacks.bundle.schema.suggest import closest, one_of
from mlops_stacks.diagnostics import Diagnostic, Diagnostics, Location, error, warning

_INT_RE = re.compile(r"^[+-]?\d+$")
_NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
#: Unknown-field messages list the known fields when there are at most this many.
_MAX_LISTED = 12
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "null": "null",
}


def is_reference(value: object) -> bool:
    """True for strings with a ``${...}`` reference (checked once resolved)."""
    return isinstance(value, str) and "${" in value


def _convertible(value: str, types: list[str]) -> bool:
    """A string a variable could stand for: ``"5"`` for an integer, ``"true"`` for a boolean."""
    if "integer" in types and _INT_RE.match(value):
        return True
    if "number" in types and _NUM_RE.match(value):
        return True
    return "boolean" in types and value in ("true", "false")


def _type(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str):
        wanted = [types] if isinstance(types, str) else list(types)
        if "string" not in wanted and (is_reference(instance) or _convertible(instance, wanted)):
            return
    yield from Draft7Validator.VALIDATORS["type"](validator, types, instance, schema)


def _skip_references(keyword: str) -> Any:
    original = Draft7Validator.VALIDATORS[keyword]

    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if is_reference(instance):
            return
        yield from original(validator, value, instance, schema)

    return check


_BundleValidator = jsonschema.validators.extend(
    Draft7Validator,
    validators={
        "type": _type,
        **{k: _skip_references(k) for k in
           ("enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum")},
    },
)


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    return _BundleValidator(load_schema())


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value (null)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f'the string "{value}"'


def _value(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _field(path: tuple[str | int, ...]) -> str:
    names = [p for p in path if isinstance(p, str)]
    return f" for {names[-1]}" if names else ""


def _known_fields(schema: dict[str, Any]) -> list[str]:
    return list(schema.get("properties", {}))


def _diagnose(err: ValidationError, tree: Node) -> Iterator[Diagnostic]:
    path = tuple(err.absolute_path)
    node = nearest_node(tree, path)
    where = format_path(path) or None
    kind = err.validator
    if kind == "additionalProperties" and isinstance(err.instance, dict):
        known = _known_fields(err.schema)
        for key in err.instance:
            if key in known:
                continue
            hint = closest(key, known)
            is_kind = path[-1:] == ("resources",)
            if hint:
                detail = f'Did you mean "{hint}"?'
            elif known and (is_kind or len(known) <= _MAX_LISTED):
                label = "Supported resource kinds" if is_kind else "Known fields here"
                detail = f"{label}: " + ", ".join(known) + "."
            elif known:
                detail = ("Check the spelling, or remove it. `mlops-stacks schema` lists "
                          f"the fields allowed at {format_path(path) or 'the top level'}.")
            else:
                detail = "Remove it."
            if is_kind:
                # A resource mlops-stacks cannot deploy must not be skipped silently.
                yield error(f'unknown resource kind "{key}"', key_location(node, key),
                            path=format_path(path + (key,)), detail=detail)
                continue
            yield warning(
                f'unknown field "{key}"',
                key_location(node, key),
                path=format_path(path + (key,)),
                detail=detail,
            )
    elif kind == "required" and isinstance(err.instance, dict):
        for key in err.validator_value:
            if key in err.instance:
                continue
            parent = format_path(path) or "the top level"
            yield error(
                f'missing required field "{key}"',
                _mapping_location(node),
                path=format_path(path + (key,)),
                detail=f"Add `{key}: ...` under {parent}.",
            )
    elif kind == "type":
        types = err.validator_value
        wanted = [types] if isinstance(types, str) else list(types)
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
        yield error(
            f"expected {expected}, found {_describe(err.instance)}",
            node.loc,
            path=where,
            detail=_type_hint(wanted, err.instance),
        )
    elif kind == "enum":
        allowed = [v for v in err.validator_value]
        hint = closest(str(err.instance), [str(v) for v in allowed])
        detail = f"Allowed values: {one_of(allowed)}."
        if hint:
            detail = f'Did you mean "{hint}"? ' + detail
        yield error(f"invalid value {_value(err.instance)}{_field(path)}", node.loc, path=where,
                    detail=detail)
    elif kind == "minLength" and err.validator_value == 1:
        yield error("must not be empty", node.loc, path=where, detail="Give it a value.")
    elif kind == "pattern":
        yield error(
            f"invalid value {_value(err.instance)}{_field(path)}",
            node.loc,
            path=where,
            detail="Use letters, digits, '_', '-' and '.' only.",
        )
    else:
        yield error(err.message, node.loc, path=where)


def _mapping_location(node: Node) -> Location:
    """Where a mapping is written: its first key's line (what the loader records)."""
    return node.loc


def _type_hint(wanted: list[str], instance: object) -> str:
    if "array" in wanted and isinstance(instance, dict):
        return "Write the entries as a list, one per line starting with '- '."
    if "array" in wanted and isinstance(instance, str):
        return "Write a list, e.g. ['a', 'b'] or one '- item' per line."
    if "object" in wanted and isinstance(instance, list):
        return "Write a mapping of key: value lines, not a list."
    if "string" in wanted and isinstance(instance, (int, float, bool)):
        return "Quote the value to make it a string."
    if "boolean" in wanted:
        return "Use true or false."
    if "integer" in wanted or "number" in wanted:
        return "Use a plain number without quotes or units."
    return ""


def check_schema(tree: Node | None) -> Diagnostics:
    """Validate a bundle configuration tree against the bundle schema."""
    diags = Diagnostics()
    if tree is None:
        return diags
    if not tree.is_map:
        diags.append(
            error(
                f"the configuration must be a mapping, found {_describe(tree.value)}",
                tree.loc,
                detail="Start the file with top-level keys such as `bundle:` and `resources:`.",
            )
        )
        return diags
    for err in _validator().iter_errors(to_plain(tree)):
        diags.extend(_diagnose(err, tree))
    diags.sort(key=_order)
    return diags


def _order(d: Diagnostic) -> tuple[str, int, int]:
    loc = d.location
    return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)
