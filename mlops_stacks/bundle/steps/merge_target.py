"""MergeTarget: lay the selected target's overrides over the top-level config.

Reads: ``targets.<ctx.target>``. Changes: ``workspace``, ``resources``,
``bundle``, ``presets``, ``sync``, ``permissions``, ``artifacts`` merge (maps
merge, lists concatenate, job lists by key: see ``bundle/merge.py``);
``run_as`` replaces; ``mode`` -> ``bundle.mode``; ``git`` -> ``bundle.git``;
``compute_id``/``cluster_id`` -> ``bundle.cluster_id``; ``variables``
override values (``name: value`` or ``name: {default: ...}`` /
``{lookup: ...}``); ``default`` is dropped; ``targets`` is removed;
``bundle.target`` is set. Errors: a target variable that is not declared at
the top level. Warnings: unknown keys in the target.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.merge import merge
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.bundle.suggest import did_you_mean
from mlops_stacks.diagnostics import Diagnostics, error, warning

MERGED_KEYS = ("workspace", "resources", "bundle", "presets", "sync", "permissions",
               "artifacts", "experimental")
REPLACED_KEYS = ("run_as",)
BUNDLE_KEYS = {"mode": "mode", "git": "git", "compute_id": "cluster_id",
               "cluster_id": "cluster_id"}
KNOWN_KEYS = set(MERGED_KEYS) | set(REPLACED_KEYS) | set(BUNDLE_KEYS) | {"default",
                                                                        "variables"}
VARIABLE_FIELDS = {"default", "lookup", "description", "type"}
#: The key sets that make a target's variable entry a declaration; any other
#: mapping is the value itself (a complex value), as in the Databricks CLI.
FULL_OVERRIDES = {frozenset(keys) for keys in (
    ("default", "type", "description"), ("default", "type"), ("default", "description"),
    ("lookup", "description"), ("default",), ("lookup",))}



class MergeTarget:
    name = "merge_target"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        if tree is None or ctx.target is None:
            return diags
        targets = tree.value.pop("targets", None)
        body = targets.get(ctx.target) if targets is not None else None
        if body is not None and body.is_map:
            for key, value in body.items():
                if key in MERGED_KEYS:
                    tree.value[key] = merge(tree.get(key), value, (key,)) or value
                elif key in REPLACED_KEYS:
                    tree.value[key] = value
                elif key in BUNDLE_KEYS:
                    bundle = tree.ensure_map("bundle", value)
                    field = BUNDLE_KEYS[key]
                    bundle.value[field] = merge(bundle.get(field), value) or value
                elif key == "variables":
                    diags.extend(_override_variables(tree, value))
                elif key != "default":
                    diags.append(warning(
                        f'unknown key "{key}" in target {ctx.target}', value.loc,
                        path=f"targets.{ctx.target}.{key}",
                        detail="It is ignored." + did_you_mean(key, sorted(KNOWN_KEYS)),
                    ))
        bundle = tree.ensure_map("bundle", tree)
        bundle.value["target"] = Node(ctx.target, body.loc if body is not None else bundle.loc)
        return diags


def _override_variables(tree: Node, overrides: Node) -> Diagnostics:
    diags = Diagnostics()
    declared = tree.get("variables")
    names = list(declared.value) if declared is not None and declared.is_map else []
    for name, value in overrides.items():
        decl = declared.get(name) if declared is not None else None
        if decl is None:
            diags.append(error(
                f'target sets variable "{name}", which is not declared', value.loc,
                path=f"variables.{name}",
                detail="Declare it under the top-level `variables:` mapping first."
                + did_you_mean(name, names),
            ))
            continue
        if decl.value is None:
            assert declared is not None  # ``decl`` was found in it
            decl = Node({}, decl.loc)
            declared.value[name] = decl
        if not decl.is_map:
            continue  # reported by the variables step
        full = value.is_map and frozenset(value.value) in FULL_OVERRIDES
        if full:
            if "lookup" in value.value:
                decl.value.pop("default", None)
            if "default" in value.value:
                decl.value.pop("lookup", None)
            for field, child in value.items():
                decl.value[field] = child
        else:
            decl.value.pop("lookup", None)
            decl.value["default"] = value
    return diags
