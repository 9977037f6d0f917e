"""CheckNames: target names and resource keys must be safe identifiers.

Reads: ``targets`` and ``resources`` (top level and inside each target).
Changes: nothing. Errors (at the key): one key used by two resources of
different kinds, or by a resource and a script (as in the Databricks CLI); a
name that is not letters, digits,
``_`` and ``-`` (the Databricks CLI's rule for names a ``${...}`` reference
can reach), or longer than ``names.MAX_NAME_BYTES``. Names become folder and file
names of the local workspace (``.mlops-stacks/<target>/jobs/<key>.json``), so
a name such as ``../../elsewhere`` or ``/tmp/x`` must never get further than
validation.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.bundle.schema.locate import key_location
from mlops_stacks.diagnostics import Diagnostic, Diagnostics, error
from mlops_stacks.names import name_problem, shown


def _check_keys(parent: Node, what: str, path: str) -> list[Diagnostic]:
    out = []
    for name in list(parent.value):
        problem = name_problem(str(name))
        if problem is None:
            continue
        out.append(error(
            f'{what} "{shown(str(name))}" {problem}',
            key_location(parent, name), path=path,
            detail="Names become folder and file names of the deployment; use letters, "
            "digits, '_' and '-' (for example \"model_training_job\").",
        ))
    return out


def _check_resources(resources: Node | None, path: str) -> list[Diagnostic]:
    if resources is None or not resources.is_map:
        return []
    out = []
    for kind, group in resources.items():
        if group.is_map:
            out.extend(_check_keys(group, "resource key", f"{path}.{kind}"))
    return out


def _check_unique(tree: Node) -> list[Diagnostic]:
    """One key names one resource (of any kind) or script: `run KEY` must know which."""
    seen: dict[str, tuple[str, Node]] = {}
    out = []
    resources = tree.get("resources")
    groups = [(f"resources.{kind}", group) for kind, group in
              (resources.items() if resources is not None and resources.is_map else ())]
    scripts = tree.get("scripts")
    if scripts is not None:
        groups.append(("scripts", scripts))
    for where, group in groups:
        for key in list(group.value) if group.is_map else []:
            if key not in seen:
                seen[key] = (where, group)
                continue
            first_where, first_group = seen[key]
            d = error(f'"{key}" names both {first_where}.{key} and {where}.{key}',
                      key_location(group, key), path=f"{where}.{key}",
                      detail="Resource keys and script names share one namespace (`run KEY` "
                      "picks one of them): rename one.")
            d.locations.append(key_location(first_group, key))
            out.append(d)
    return out


class CheckNames:
    name = "check_names"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        if tree is None or not tree.is_map:
            return diags
        diags.extend(_check_resources(tree.get("resources"), "resources"))
        diags.extend(_check_unique(tree))
        targets = tree.get("targets")
        if targets is not None and targets.is_map:
            diags.extend(_check_keys(targets, "target name", "targets"))
            for name, target in targets.items():
                if target.is_map:
                    diags.extend(_check_resources(target.get("resources"),
                                                  f"targets.{name}.resources"))
        return diags
