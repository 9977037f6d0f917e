"""Check a configuration tree against the bundle JSON schema, as diagnostics.

The schema (``bundle_schema.json``) is compiled once (``compiled.py``) and
applied to the located tree; each problem becomes a ``Diagnostic`` that
points at the offending node (``file:line:col``) and config path, and says
how to fix it:

- unknown fields and unknown resource kinds are warnings (``--strict`` makes
  them errors), with a did-you-mean against the known sibling fields;
- as in the Databricks CLI, a value of the wrong type, a bad enum value (with
  the allowed values), a missing required field and an empty name are
  warnings; a value of the wrong type is then dropped. A missing
  ``bundle.name`` or task ``task_key`` stays an error (nothing can be
  deployed or run without them), as do out-of-range values.

Values are *reference-aware*: a string holding ``${...}`` is accepted
wherever a typed value is expected (it is resolved later, or at deploy
time), and a string that reads as a number or boolean is accepted where one
is expected (variables are strings until they are used).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from mlops_stacks.bundle.nodes import Node, format_path
from mlops_stacks.bundle.schema.compiled import Problem, Rule, check, compile_schema
from mlops_stacks.bundle.schema.compiled import is_reference as is_reference
from mlops_stacks.bundle.schema.loader import load_schema
from mlops_stacks.bundle.schema.locate import key_location
from mlops_stacks.bundle.schema.suggest import closest, one_of
from mlops_stacks.diagnostics import Diagnostic, Diagnostics, by_location, error, warning

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


@functools.lru_cache(maxsize=1)
def _root_rule() -> Rule:
    return compile_schema(load_schema())


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


def _diagnose(problem: Problem) -> Iterator[Diagnostic]:
    path, node, rule, kind = problem.path, problem.node, problem.rule, problem.kind
    where = format_path(path) or None
    value = node.value
    if kind == "additionalProperties":
        key = problem.data
        known = list(rule.properties or ())
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
        loc = key_location(node, key)
        key_path = format_path(path + (key,))
        if is_kind:
            yield warning(f'unknown resource kind "{key}"', loc, path=key_path, detail=detail)
        else:
            yield warning(f'unknown field "{key}"', loc, path=key_path, detail=detail)
    elif kind == "required":
        key = problem.data
        parent = format_path(path) or "the top level"
        yield _required_severity(path, key)(
            f'missing required field "{key}"',
            node.loc,
            path=format_path(path + (key,)),
            detail=f"Add `{key}: ...` under {parent}.",
        )
    elif kind == "type":
        wanted = list(rule.types or ())
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
        yield warning(
            f"expected {expected}, found {_describe(value)}",
            node.loc,
            path=where,
            detail=_type_hint(wanted, value),
        )
    elif kind == "enum":
        allowed = list(rule.enum or ())
        hint = closest(str(value), [str(v) for v in allowed])
        detail = f"Allowed values: {one_of(allowed)}."
        if hint:
            detail = f'Did you mean "{hint}"? ' + detail
        yield warning(f"invalid value {_value(value)}{_field(path)}", node.loc, path=where,
                      detail=detail)
    elif kind == "minLength":
        yield warning(f"{_field(path)[5:] or 'value'} must not be empty", node.loc,
                      path=where, detail="Give it a value.")
    elif kind == "maxLength":
        yield error(f"{_value(value)} is too long", node.loc, path=where,
                    detail=f"Use at most {rule.max_length} characters.")
    elif kind == "pattern":
        yield error(
            f"invalid value {_value(value)}{_field(path)}",
            node.loc,
            path=where,
            detail="Use letters, digits, '_', '-' and '.' only.",
        )
    elif kind == "minimum":
        yield error(f"{value} is too small{_field(path)}", node.loc, path=where,
                    detail=f"The smallest allowed value is {rule.minimum}.")
    elif kind == "maximum":
        yield error(f"{value} is too large{_field(path)}", node.loc, path=where,
                    detail=f"The largest allowed value is {rule.maximum}.")


def _required_severity(path: tuple[str | int, ...], key: str) -> Callable[..., Diagnostic]:
    """Warning, as in the Databricks CLI, except where mlops-stacks cannot go on without it.

    A bundle needs its name (paths and state are named after it), and a job task
    its ``task_key`` (dependencies, runs and deploys address tasks by it).
    """
    if (path, key) == (("bundle",), "name"):
        return error
    if key == "task_key" and len(path) >= 2 and path[-2] == "tasks":
        return error
    return warning


def _drop(tree: Node, path: tuple[str | int, ...]) -> None:
    """Remove the value at ``path`` (the Databricks CLI drops a value of the wrong type)."""
    parent = tree.at(*path[:-1]) if path else None
    if parent is None:
        return
    last = path[-1]
    if isinstance(last, str) and parent.is_map:
        parent.value.pop(last, None)
    elif isinstance(last, int) and parent.is_list and last < len(parent.value):
        del parent.value[last]


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


def check_top_level(tree: Node) -> Diagnostics:
    """Unknown top-level keys of one file, as warnings with a did-you-mean.

    Run on each file as it is read, so that a typo such as ``variabels:`` is
    named before the errors it causes (an undeclared variable) stop the load.
    ``check_schema`` leaves top-level keys to this check. Keys that only hold
    YAML anchors are removed instead (``bundle/anchors.py``).
    """
    rule = _root_rule()
    diags = Diagnostics()
    if not tree.is_map or rule.properties is None:
        return diags
    unknown = [key for key in tree.value if key not in rule.properties]
    if unknown:
        from mlops_stacks.bundle.anchors import anchor_only_keys

        holders = anchor_only_keys(tree.loc.file) if tree.loc.line else set()
        for key in unknown:
            if key in holders:
                del tree.value[key]  # anchors only: ignored, references inside unresolved
            else:
                diags.extend(_diagnose(Problem("additionalProperties", (), tree, rule, key)))
    return diags


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
    problems: list[Problem] = []
    check(_root_rule(), tree, (), problems)
    for problem in problems:
        if problem.kind == "additionalProperties" and problem.path == ():
            continue  # reported per file while loading (check_top_level)
        diags.extend(_diagnose(problem))
    # Later items first, so list indexes of earlier problems stay right.
    for problem in sorted((p for p in problems if p.kind == "type"), key=lambda p: p.path,
                          reverse=True):
        if len(problem.path) > 1:  # a wrong top-level section stays (other checks read it)
            _drop(tree, problem.path)
    diags.sort(key=by_location)
    return diags

