"""RunValidators: the schema check and the semantic checks, on the resolved tree.

Reads: ``ctx.tree``. Changes: nothing. Reports what
``mlops_stacks.bundle.schema.check_schema`` and
``mlops_stacks.bundle.checks.check_bundle`` find (each skipped when its
module is not installed in this build).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics

VALIDATORS = (
    ("mlops_stacks.bundle.schema", "check_schema"),
    ("mlops_stacks.bundle.checks", "check_bundle"),
)


def _load(module: str, function: str) -> Callable[[Node], Diagnostics] | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None  # the module itself is absent, not one of its imports
        raise
    return getattr(mod, function, None)


class RunValidators:
    name = "run_validators"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        if ctx.tree is None:
            return diags
        for module, function in VALIDATORS:
            check = _load(module, function)
            if check is not None:
                diags.extend(check(ctx.tree))
        return diags
