"""A compiled checker for the bundle schema that walks located ``Node`` trees.

General JSON-schema validators descend with a fresh validator object and
reference lookup per value; on a bundle with a thousand jobs that cost
seconds. The bundle schema only uses a small, fixed set of draft-07 keywords,
so it is compiled once into ``Rule`` objects and applied directly to nodes,
which also gives every problem its node (and so its source location) for free.

Keywords understood (``SUPPORTED``): type, properties, additionalProperties,
required, items, enum, minLength, maxLength, pattern, minimum, maximum, $ref
(to ``#/definitions/...``), plus annotations (description, title, default,
$schema, $id, definitions). A test checks the schema uses nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.jsontypes import JsonObject, JsonValue

SUPPORTED = frozenset({
    "type", "properties", "additionalProperties", "required", "items", "enum",
    "minLength", "maxLength", "pattern", "minimum", "maximum", "$ref",
    "description", "title", "default", "$schema", "$id", "definitions",
})

_INT_RE = re.compile(r"^[+-]?\d+$")
_NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

Path = tuple[str | int, ...]


def is_reference(value: object) -> bool:
    """True for strings with a ``${...}`` reference (checked once resolved)."""
    return isinstance(value, str) and "${" in value


@dataclass(eq=False)
class Rule:
    """One compiled schema."""

    types: tuple[str, ...] | None = None
    properties: dict[str, Rule] | None = None
    additional: Rule | bool | None = None  # None: anything goes, False: unknown keys flagged
    required: tuple[str, ...] = ()
    items: Rule | None = None
    enum: list[JsonValue] | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    target: Rule | None = None  # a $ref, resolved
    accepts: frozenset[type] = frozenset()
    """Python types that pass ``types`` without a closer look (computed from ``types``)."""
    scalar_checks: bool = False
    """True when a scalar value has more to check than its type."""


@dataclass
class Problem:
    """What the checker found; ``kind`` is the failing keyword."""

    kind: str
    path: Path
    node: Node
    rule: Rule
    data: JsonValue = None
    extra: JsonObject = field(default_factory=dict)


def compile_schema(schema: JsonObject) -> Rule:
    """Compile ``schema`` (with its ``definitions``) into a ``Rule``."""
    cache: dict[int, Rule] = {}

    def resolve(ref: str) -> JsonObject:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: JsonValue = schema
        for part in ref[2:].split("/"):
            node = node[part]
        return cast(JsonObject, node)

    def build(sub: JsonObject) -> Rule:
        key = id(sub)
        if key in cache:
            return cache[key]
        if "$ref" in sub:
            rule = Rule()
            cache[key] = rule
            target = build(resolve(sub["$ref"]))
            cache[key] = target
            return target
        unknown = set(sub) - SUPPORTED
        if unknown:
            raise ValueError(f"unsupported schema keywords: {sorted(unknown)}")
        rule = Rule()
        cache[key] = rule
        types = sub.get("type")
        if types is not None:
            rule.types = (types,) if isinstance(types, str) else tuple(types)
        if "properties" in sub:
            rule.properties = {k: build(v) for k, v in sub["properties"].items()}
        additional = sub.get("additionalProperties")
        if isinstance(additional, dict):
            rule.additional = build(additional)
        elif additional is False:
            rule.additional = False
        rule.required = tuple(sub.get("required", ()))
        if isinstance(sub.get("items"), dict):
            rule.items = build(sub["items"])
        rule.enum = sub.get("enum")
        rule.min_length = sub.get("minLength")
        rule.max_length = sub.get("maxLength")
        if "pattern" in sub:
            rule.pattern = re.compile(sub["pattern"])
        rule.minimum = sub.get("minimum")
        rule.maximum = sub.get("maximum")
        rule.accepts = _accepts(rule.types)
        rule.scalar_checks = any(x is not None for x in (
            rule.enum, rule.min_length, rule.max_length, rule.pattern, rule.minimum,
            rule.maximum))
        return rule

    return build(schema)


#: The Python types that always satisfy a JSON-schema type.
_EXACT = {"string": str, "object": dict, "array": list, "boolean": bool, "integer": int,
          "null": type(None)}


def _accepts(types: tuple[str, ...] | None) -> frozenset[type]:
    if types is None:
        return frozenset()
    out = {_EXACT[t] for t in types if t in _EXACT}
    if "number" in types:
        out |= {int, float}
    return frozenset(out)


def _type_ok(value: JsonValue, types: tuple[str, ...]) -> bool:
    for t in types:
        if t == "string":
            if isinstance(value, str):
                return True
        elif t == "object":
            if isinstance(value, dict):
                return True
        elif t == "array":
            if isinstance(value, list):
                return True
        elif t == "boolean":
            if isinstance(value, bool):
                return True
        elif t == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return True
            if isinstance(value, float) and value.is_integer():
                return True
        elif t == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return True
        elif t == "null" and value is None:
            return True
    if isinstance(value, str) and "string" not in types:
        # Resolved later, or a variable's string form of a number or boolean.
        if "${" in value:
            return True
        if "integer" in types and _INT_RE.match(value):
            return True
        if "number" in types and _NUM_RE.match(value):
            return True
        if "boolean" in types and value in ("true", "false"):
            return True
    return False


def check(rule: Rule, node: Node, path: Path, out: list[Problem]) -> None:
    """Append every problem of ``node`` (at ``path``) against ``rule`` to ``out``."""
    _check(rule, node, (None, path), out)


#: A path built by linking to the parent, ``(parent trail, key)``, flattened only
#: for problems; the outermost trail holds the starting path (a tuple).
Trail = tuple[JsonValue, JsonValue]


def _flat(trail: Trail) -> Path:
    parts: list[JsonValue] = []
    while trail[0] is not None:
        parts.append(trail[1])
        trail = trail[0]
    return tuple(trail[1]) + tuple(reversed(parts))


def _as_string(value: JsonValue) -> str | None:
    """A number or boolean written where a string is wanted, as the string it reads as.

    The Databricks CLI converts these (``base_parameters: {n: 70}`` sends "70").
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return None


def _check(rule: Rule, node: Node, trail: Trail, out: list[Problem]) -> None:
    value = node.value
    kind = type(value)
    if value is None:
        return  # an empty value is no value (the Databricks CLI accepts `tasks:` alone)
    if rule.types is not None and kind not in rule.accepts and not _type_ok(value, rule.types):
        text = _as_string(value) if "string" in rule.types else None
        if text is None:
            out.append(Problem("type", _flat(trail), node, rule))
            return
        node.value = value = text
        kind = str
    if kind is dict:
        for name in rule.required:
            if name not in value:
                out.append(Problem("required", _flat(trail), node, rule, name))
        props = rule.properties
        additional = rule.additional
        if props is None and additional is None:
            return
        for key, child in value.items():
            sub = props.get(key) if props is not None else None
            if sub is None:
                if additional is False:
                    out.append(Problem("additionalProperties", _flat(trail), node, rule, key))
                    continue
                if not isinstance(additional, Rule):
                    continue  # None: anything goes
                sub = additional
            _check(sub, child, (trail, key), out)
        return
    if kind is list:
        items = rule.items
        if items is not None:
            for index, child in enumerate(value):
                _check(items, child, (trail, index), out)
        return
    if rule.scalar_checks:
        _check_scalar(rule, node, trail, out)


def _check_scalar(rule: Rule, node: Node, trail: Trail, out: list[Problem]) -> None:
    value = node.value
    if isinstance(value, str) and "${" in value:
        return
    if rule.enum is not None and not any(
        value == allowed and type(value) is type(allowed) for allowed in rule.enum
    ):
        out.append(Problem("enum", _flat(trail), node, rule))
        return
    if isinstance(value, str):
        if rule.min_length is not None and len(value) < rule.min_length:
            out.append(Problem("minLength", _flat(trail), node, rule))
        if rule.max_length is not None and len(value) > rule.max_length:
            out.append(Problem("maxLength", _flat(trail), node, rule))
        if rule.pattern is not None and not rule.pattern.search(value):
            out.append(Problem("pattern", _flat(trail), node, rule))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if rule.minimum is not None and value < rule.minimum:
            out.append(Problem("minimum", _flat(trail), node, rule))
        if rule.maximum is not None and value > rule.maximum:
            out.append(Problem("maximum", _flat(trail), node, rule))
