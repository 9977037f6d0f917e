"""SetVariables: give every declared variable its value.

Reads: ``variables`` (after the target merge), ``ctx.variables_arg``
(``--var``), ``ctx.env`` (``BUNDLE_VAR_<name>``). Changes: sets
``variables.<name>.value``; precedence ``--var`` > ``BUNDLE_VAR_<name>`` >
target value > top-level ``default``. Variables with a ``lookup`` and no value
are recorded in ``ctx.pending_lookups`` (resolved only against a workspace).
Errors: a variable with no value, ``--var`` for an undeclared variable (at
the ``variables:`` key), a complex variable set from the command line or
environment, a declaration that is not a mapping. A list or mapping default
without ``type: complex`` is accepted, as the Databricks CLI does (a warning
when it is a mapping with a ``value:`` key, the usual slip in a target).
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
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
            diags.extend(_assign(ctx, name, decl))
        return diags


def _assign(ctx: Context, name: str, decl: Node) -> Diagnostics:
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
        f"a `default:` in its declaration, or under targets.<target>.variables.{name}.",
    ))
    return diags
