"""SelectTarget: decide which target this load is for.

Reads: ``ctx.target_arg`` (``-t`` or ``DATABRICKS_BUNDLE_TARGET``), ``targets``.
Changes: ``ctx.target``. Without an explicit name: the one target marked
``default: true``, else the only target. Errors: several defaults (each
named, with its location), several targets and no default, an unknown name
(the existing ones listed, with a "did you mean"). A bundle without targets
gets an implicit ``default`` target.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.suggest import did_you_mean
from mlops_stacks.diagnostics import Diagnostics, error, warning

IMPLICIT_TARGET = "default"


class SelectTarget:
    name = "select_target"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        if ctx.tree is None:
            return diags
        targets = ctx.tree.get("targets")
        names = list(targets.value) if targets is not None and targets.is_map else []
        where = targets.loc if targets is not None else ctx.root_file_location()
        if ctx.target_arg:
            if ctx.target_arg in names or (not names and ctx.target_arg == IMPLICIT_TARGET):
                ctx.target = ctx.target_arg
                return diags
            listed = ", ".join(names) if names else "none"
            diags.append(error(
                f'unknown target "{ctx.target_arg}"', where, path="targets",
                detail=f"Targets defined: {listed}.{did_you_mean(ctx.target_arg, names)}",
            ))
            return diags
        if not names:
            ctx.target = IMPLICIT_TARGET
            return diags
        assert targets is not None  # it has names
        defaults = []
        for name in names:
            flag = targets.at(name, "default")
            if flag is not None and flag.value is True:
                defaults.append((name, flag))
            elif flag is not None and flag.value not in (None, False):
                diags.append(warning(
                    f"targets.{name}.default must be true or false, found {flag.value!r}",
                    flag.loc, path=f"targets.{name}.default",
                    detail="It is ignored. Write `default: true` (no quotes).",
                ))
        if len(defaults) == 1:
            ctx.target = defaults[0][0]
        elif len(defaults) > 1:
            d = error(
                "more than one target is marked `default: true`: "
                + ", ".join(name for name, _ in defaults),
                defaults[0][1].loc, path="targets",
                detail="Keep `default: true` on one target only.",
            )
            d.locations.extend(flag.loc for _, flag in defaults[1:])
            diags.append(d)
        elif len(names) == 1:
            ctx.target = names[0]
        else:
            diags.append(error(
                "no target selected: several targets and none is marked `default: true`"
                + (" (see the warning above)" if diags else ""),
                where, path="targets",
                detail=f"Targets defined: {', '.join(names)}. Pass -t <target> (or set "
                "DATABRICKS_BUNDLE_TARGET), or add `default: true` to one target.",
            ))
        return diags
