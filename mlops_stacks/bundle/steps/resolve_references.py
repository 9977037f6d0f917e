"""ResolveReferences: substitute ``${...}`` references (one pass per use in the pipeline).

Reads and changes: every string holding a reference (see
``bundle/references.py``). Each instance is limited to some first segments,
so the pipeline can resolve variables and ``bundle.*`` first, ``workspace.*``
once the defaults exist, and ``resources.*`` after names got their prefixes.
Leaves alone: ``workspace.current_user.*`` when the user is unknown, fields of
an existing resource that are not in the configuration (``.id``: known at
deploy time), variables without a value (reported by SetVariables).
Errors (at the reference): unknown paths (with a "did you mean"), undeclared
variables, references to missing resources, cycles, a mapping or list
interpolated into a longer string.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.references import Key, Leave, Missing, Resolver, Unresolvable
from mlops_stacks.bundle.suggest import did_you_mean
from mlops_stacks.diagnostics import Diagnostics


def _keys(node: object) -> list[str]:
    value = getattr(node, "value", None)
    return list(value) if isinstance(value, dict) else []


class ResolveReferences:
    def __init__(self, name: str, *, include: Iterable[str] | None = None,
                 exclude: Iterable[str] = ()) -> None:
        self.name = name
        self.include = tuple(include) if include is not None else None
        self.exclude = tuple(exclude)

    def apply(self, ctx: Context) -> Diagnostics:
        if ctx.tree is None:
            return Diagnostics()

        def on_missing(parts: list[Key], missing: Missing) -> None:
            _classify(ctx, parts, missing)

        resolver = Resolver(ctx.tree, on_missing, include=self.include, exclude=self.exclude,
                            reported=ctx.reported_references)
        return resolver.run()


def _classify(ctx: Context, parts: list[Key], missing: Missing) -> None:
    """Raise ``Leave`` or ``Unresolvable`` for a reference whose path is missing."""
    depth = len(missing.found)
    key = str(missing.key)
    choices = _keys(missing.node)
    root = parts[0]
    if root == "variables":
        name = str(parts[1]) if len(parts) > 1 else ""
        if depth <= 1:
            raise Unresolvable(f'refers to undeclared variable "{name}"',
                               "Declare it under `variables:`." + did_you_mean(name, choices))
        if depth == 2 and key == "value":
            raise Leave()  # no value: a lookup, or already reported as unset
        raise Unresolvable(f'has no field "{key}"', did_you_mean(key, choices).strip())
    if root == "resources":
        if depth == 0:
            raise Unresolvable("refers to a resource, but the bundle defines none",
                               "Define the resource under `resources:`.")
        if depth == 1:
            raise Unresolvable(f'refers to unknown resource kind "{key}"',
                               ("Kinds defined: " + ", ".join(choices) + "."
                                + did_you_mean(key, choices)))
        if depth == 2:
            kind = parts[1]
            raise Unresolvable(f'refers to resource {kind}.{key}, which is not defined',
                               (f"Defined {kind}: " + (", ".join(choices) or "none") + "."
                                + did_you_mean(key, choices)))
        raise Leave()  # a field known only once deployed (id, url, ...)
    if parts[:2] == ["workspace", "current_user"] and ctx.user is None:
        raise Leave()
    where = ".".join(str(p) for p in missing.found) or "the configuration"
    raise Unresolvable("does not exist",
                       f'"{key}" is not set in {where}.' + did_you_mean(key, choices))
