"""SetVariables: give every declared variable its value.

Reads: ``variables`` (after the target merge), ``ctx.variables_arg``
(``--var``), ``ctx.env`` (``BUNDLE_VAR_<name>``) and, as in the Databricks CLI,
``.databricks/bundle/<target>/variable-overrides.json`` (a JSON object of
values). Changes: sets ``variables.<name>.value``; precedence ``--var`` >
``BUNDLE_VAR_<name>`` > the overrides file > target value > top-level
``default``. Variables with a ``lookup`` and no value are recorded in
``ctx.pending_lookups`` (resolved only against a workspace).
Errors: an overrides file that is not a JSON object, a value in it whose kind
(complex or not) differs from the declaration, a variable with no value,
``--var`` for an undeclared variable (at the ``variables:`` key), a complex
variable set from the command line or environment, a declaration that is not
a mapping. A list or mapping default without ``type: complex`` is accepted, as
the Databricks CLI does (a warning when it is a mapping with a ``value:`` key,
the usual slip in a target).
"""

from __future__ import annotations

import json
from pathlib import Path

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node, from_plain
from mlops_stacks.bundle.schema.locate import key_location
from mlops_stacks.bundle.suggest import did_you_mean
from mlops_stacks.diagnostics import Diagnostics, Location, error, warning

ENV_PREFIX = "BUNDLE_VAR_"


class SetVariables:
    name = "set_variables"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        if tree is None:
            return diags
        declared = tree.get("variables")
        # Problems with --var point at the `variables:` key (or the top of the file).
        where = key_location(tree, "variables") if declared is not None else tree.loc
        if declared is None or declared.value is None:
            declared = Node({}, ctx.root_file_location())
            tree.value["variables"] = declared
        if not declared.is_map:
            diags.append(error("variables must be a mapping of variable names", declared.loc,
                               path="variables"))
            return diags
        overrides = _overrides(ctx, diags)
        names = list(declared.value)
        for name in ctx.variables_arg:
            if name not in declared.value:
                diags.append(error(
                    f'--var sets "{name}", which is not a declared variable',
                    where, path="variables",
                    detail="Declare it under `variables:` in databricks.yml, or fix the name."
                    + did_you_mean(name, names),
                ))
        for name, decl in list(declared.items()):
            if decl.value is None:
                decl = Node({}, decl.loc)
                declared.value[name] = decl
            if not decl.is_map:
                diags.append(error(
                    f'variable "{name}" must be a mapping (default, description, type, lookup)',
                    decl.loc, path=f"variables.{name}",
                    detail=f"Write it as:\n\nvariables:\n  {name}:\n    default: {decl.value!r}",
                ))
                continue
            diags.extend(_assign(ctx, name, decl, overrides))
        return diags


def overrides_file(ctx: Context) -> Path:
    """``.databricks/bundle/<target>/variable-overrides.json`` of the bundle."""
    return ctx.root / ".databricks" / "bundle" / str(ctx.target) / "variable-overrides.json"


def _overrides(ctx: Context, diags: Diagnostics) -> dict[str, Node]:
    """The values the target's overrides file gives (none when there is no file)."""
    path = overrides_file(ctx)
    if ctx.target is None or not path.is_file():
        return {}
    where = Location(str(path), 1, 1)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        diags.append(error(f"cannot read the variables file: {exc}",
                           Location(str(path), line, col),
                           detail="It must be a JSON object of variable values, "
                           'e.g. {"catalog": "dev", "cluster": {"num_workers": 2}}.'))
        return {}
    if not isinstance(data, dict):
        diags.append(error("the variables file must be a JSON object of variable values",
                           where, detail='For example: {"catalog": "dev", "workers": 2}.'))
        return {}
    return {str(k): from_plain(v, where) for k, v in data.items()}


def _assign(ctx: Context, name: str, decl: Node, overrides: dict[str, Node]) -> Diagnostics:
    diags = Diagnostics()
    type_node = decl.get("type")
    complex_type = type_node is not None and type_node.value == "complex"
    env_key = ENV_PREFIX + name
    given: tuple[str, Location] | None = None
    if name in ctx.variables_arg:
        given = (ctx.variables_arg[name], Location(f"<--var {name}>"))
    elif env_key in ctx.env:
        given = (ctx.env[env_key], Location(f"<environment {env_key}>"))
    if given is not None:
        if complex_type:
            diags.append(error(
                f'complex variable "{name}" cannot be set from --var or {env_key}',
                decl.loc, path=f"variables.{name}",
                detail="Set complex values in databricks.yml (default or target override).",
            ))
            return diags
        decl.value["value"] = Node(given[0], given[1])
        return diags
    from_file = overrides.get(name)
    if from_file is not None:
        if complex_type != (from_file.is_map or from_file.is_list):
            diags.append(error(
                f'variable "{name}" is {"" if complex_type else "not "}of type complex, but '
                f"its value in the variables file is {'not ' if complex_type else ''}"
                "a list or mapping", from_file.loc, path=f"variables.{name}",
                detail="Change the value in the file, or the variable's `type:` in "
                f"databricks.yml ({decl.loc}).",
            ))
            return diags
        decl.value["value"] = from_file
        return diags
    default = decl.get("default")
    if default is not None and default.value is not None:
        if default.is_map and "value" in default.value and not complex_type:
            # The Databricks CLI takes the mapping as the value; almost always a mistake.
            diags.append(warning(
                f'variable "{name}" is set to a mapping with a `value:` key', default.loc,
                path=f"variables.{name}.default",
                detail="`value:` is not a field of a variable: in a target write "
                f"`{name}: VALUE` or `{name}: {{default: VALUE}}`. If the mapping is meant, "
                "add `type: complex` to the declaration.",
            ))
        decl.value["value"] = default
        return diags
    if decl.get("lookup") is not None:
        ctx.pending_lookups.append((name, decl.loc))
        return diags
    diags.append(error(
        f'variable "{name}" has no value',
        decl.loc, path=f"variables.{name}",
        detail=f"Set it with --var {name}=VALUE, the environment variable {env_key}, "
        f"a `default:` in its declaration, under targets.<target>.variables.{name}, or "
        f"in {overrides_file(ctx).relative_to(ctx.root).as_posix()}.",
    ))
    return diags
