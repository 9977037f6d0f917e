"""LoadRootFile: read ``databricks.yml`` into ``ctx.tree``.

Reads: ``ctx.root_file``. Changes: ``ctx.tree``. Errors: unreadable or invalid
YAML, a top level that is not a mapping, a missing ``bundle.name``.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.schema.suggest import closest
from mlops_stacks.bundle.schema.validator import check_top_level
from mlops_stacks.bundle.yaml_loader import load_yaml_file
from mlops_stacks.diagnostics import Diagnostics, error


class LoadRootFile:
    name = "load_root_file"

    def apply(self, ctx: Context) -> Diagnostics:
        tree, diags = load_yaml_file(ctx.root_file)
        if tree is None or diags.has_errors():
            return diags
        if not tree.is_map:
            diags.append(error(
                f"{ctx.root_file.name} must be a mapping with a `bundle:` section",
                tree.loc,
                detail="Start the file with:\n\nbundle:\n  name: my_project",
            ))
            return diags
        diags.extend(check_top_level(tree))
        name = tree.at("bundle", "name")
        if name is None or name.value in (None, ""):
            where = tree.get("bundle")
            typo = closest("bundle", [k for k in tree.value if k != "bundle"])
            detail = "Every bundle needs a name, e.g.\n\nbundle:\n  name: my_project"
            if where is None and typo:
                detail = f'Did you mean "bundle" instead of "{typo}"? ' + detail
            diags.append(error(
                "bundle.name is not set",
                where.loc if where is not None else ctx.root_file_location(),
                path="bundle.name", detail=detail,
            ))
            return diags
        ctx.tree = tree
        return diags
