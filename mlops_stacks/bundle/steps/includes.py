"""ProcessIncludes: merge the files listed under ``include:`` into the tree.

Reads: ``include`` of the root file (globs relative to it). Changes:
``ctx.tree`` (each included file merged in, values keeping their own
file:line:col; ``include`` removed). Errors: a literal path that does not
exist (at the entry; a glob that matches nothing is fine, as in the
Databricks CLI: ``resources/*.yml`` before the first resource file is added),
a pattern that is absolute or has a ``..`` part (patterns stay inside the
bundle root, or inside a folder listed in the root file's ``sync.paths``, as
shared configuration such as ``../common/vars/*.yml`` is; files behind links
leading out are not matched), an ``include``
in an included file, the same resource key defined in two files (both
locations named), unreadable YAML.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.globs import escapes, expand
from mlops_stacks.bundle.merge import merge
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.bundle.schema.validator import check_top_level
from mlops_stacks.bundle.yaml_loader import load_yaml_file
from mlops_stacks.diagnostics import Diagnostics, error


class ProcessIncludes:
    name = "process_includes"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        if tree is None:
            return diags
        includes = tree.value.pop("include", None)
        if includes is None or includes.value is None:
            return diags
        entries = includes.value if includes.is_list else [includes]
        base = ctx.root_file.parent
        sync_paths = _sync_paths(tree, base)
        seen: set[Path] = {ctx.root_file.resolve()}
        files: list[Path] = []
        for entry in entries:
            if not isinstance(entry.value, str) or not entry.value.strip():
                diags.append(error("include entries must be file paths or globs", entry.loc,
                                   path="include"))
                continue
            folder, pattern = base, entry.value
            if escapes(entry.value):
                shared = _in_sync_path(entry.value, base, sync_paths)
                if shared is None:
                    diags.append(error(
                        f'include "{entry.value}" leads outside the bundle root',
                        entry.loc, path="include",
                        detail=f"Include patterns are relative to {ctx.root_file.name} and "
                        "stay inside its folder, or inside a folder listed in sync.paths; "
                        "move the files into the bundle or list their folder there.",
                    ))
                    continue
                folder, pattern = shared
            matched = expand(pattern, folder)
            if not matched and not glob.has_magic(entry.value):
                diags.append(error(
                    f'include "{entry.value}" does not match any files',
                    entry.loc, path="include",
                    detail=f"Paths are relative to {ctx.root_file.name}. Fix the path "
                    "or remove the entry.",
                ))
                continue
            for path in matched:
                if path not in seen:
                    seen.add(path)
                    files.append(path)
        owners = _resource_owners(tree)
        for path in files:
            sub, file_diags = load_yaml_file(path)
            diags.extend(file_diags)
            if sub is None or file_diags.has_errors() or sub.value is None:
                continue
            if not sub.is_map:
                diags.append(error(f"{path.name} must be a mapping", sub.loc))
                continue
            nested = sub.value.pop("include", None)
            if nested is not None:
                diags.append(error(
                    "include is only allowed in the bundle's root file", nested.loc,
                    path="include",
                    detail=f"Move the entries to `include:` in {ctx.root_file.name}.",
                ))
            diags.extend(check_top_level(sub))
            diags.extend(_check_duplicates(sub, owners))
            merge(tree, sub)
        return diags


def _sync_paths(tree: Node, base: Path) -> list[Path]:
    """The folders of the root file's ``sync.paths`` (resolved; entries may lead out)."""
    paths = tree.at("sync", "paths")
    if paths is None or not paths.is_list:
        return []
    return [Path(os.path.normpath(base / p.value)) for p in paths.value
            if isinstance(p.value, str) and p.value.strip() and not os.path.isabs(p.value)]


def _in_sync_path(pattern: str, base: Path, sync_paths: list[Path]) -> tuple[Path, str] | None:
    """``(folder, pattern inside it)`` when ``pattern`` stays inside a ``sync.paths`` folder.

    Only the literal start of a pattern may climb (``../common/vars/*.yml``); a
    ``..`` after a wildcard, or an absolute pattern, is refused.
    """
    if os.path.isabs(pattern) or pattern.startswith(("/", "\\")):
        return None
    parts = pattern.replace("\\", "/").split("/")
    first_magic = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    if ".." in parts[first_magic:]:
        return None
    target = Path(os.path.normpath(base / "/".join(parts)))
    for folder in [base, *sync_paths]:
        if target.is_relative_to(folder):
            return folder, target.relative_to(folder).as_posix()
    return None


def _groups(tree: Node) -> list[tuple[str, Node]]:
    """``(kind, mapping)`` of every resource kind, and ``scripts`` (named like resources)."""
    resources = tree.get("resources")
    groups = list(resources.items()) if resources is not None else []
    scripts = tree.get("scripts")
    if scripts is not None and scripts.is_map:
        groups.append(("scripts", scripts))
    return [(kind, group) for kind, group in groups if group.is_map]


def _resource_owners(tree: Node) -> dict[tuple[str, str], Node]:
    return {(kind, key): node for kind, group in _groups(tree) for key, node in group.items()}


def _check_duplicates(sub: Node, owners: dict[tuple[str, str], Node]) -> Diagnostics:
    diags = Diagnostics()
    for kind, group in _groups(sub):
        for key, node in list(group.items()):
            first = owners.get((kind, key))
            if first is not None:
                where = f"scripts.{key}" if kind == "scripts" else f"resources.{kind}.{key}"
                d = error(
                    f"{'script' if kind == 'scripts' else 'resource'} "
                    f"{where.removeprefix('resources.')} is defined in more than one file",
                    node.loc, path=where,
                    detail=f"It is also defined at {first.loc}. Rename one of them or "
                    "delete the duplicate.",
                )
                d.locations.append(first.loc)
                diags.append(d)
                del group.value[key]
            else:
                owners[(kind, key)] = node
    return diags
