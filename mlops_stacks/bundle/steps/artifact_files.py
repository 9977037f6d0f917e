"""CheckArtifacts: ``artifacts`` entries as the Databricks CLI checks them at validate.

Reads: ``artifacts``. An entry with no settings is an error; so is one with
neither ``build`` nor ``files`` (unless ``type: whl``, which builds with
``setup.py`` by default). Files of an artifact without a ``build`` command
exist already, so each ``files[].source`` (a path or glob, relative to the
declaring file) must be a valid pattern that matches a file. With a ``build``
command the files are made at deploy and are not looked for here. Changes:
nothing.
"""

from __future__ import annotations

import glob
import os
import re

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node, format_path, relative_base
from mlops_stacks.diagnostics import Diagnostics, error

#: A ``[`` with no ``]`` after it: a pattern Go's and Python's globs cannot read.
_UNCLOSED = re.compile(r"\[[^\]]*$")


class CheckArtifacts:
    name = "check_artifacts"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        artifacts = ctx.tree.get("artifacts") if ctx.tree is not None else None
        for key, spec in artifacts.items() if artifacts is not None else ():
            path = ("artifacts", key)
            if spec.value is None or spec.value == {}:
                diags.append(error(f"artifact {key} has no settings", spec.loc,
                                   path=format_path(path),
                                   detail="Give it a `build` command and/or `files`."))
                continue
            if not spec.is_map:
                continue
            build, files = spec.get("build"), spec.get("files")
            has_files = files is not None and files.is_list and bool(files.value)
            kind = spec.get("type")
            if (build is None or not build.value) and not has_files:
                if kind is None or kind.value != "whl":
                    diags.append(error(
                        f"artifact {key} has neither build nor files", spec.loc,
                        path=format_path(path),
                        detail="Set `build` (the command that makes it) or `files`."))
                continue
            if build is not None and build.value:
                continue  # its files are made at deploy
            for i, entry in enumerate(files.value if files is not None else []):
                source = entry.get("source") if entry.is_map else None
                if source is not None and isinstance(source.value, str):
                    diags.extend(_check_source(ctx, source, path + ("files", i, "source")))
        return diags


def _check_source(ctx: Context, node: Node, path: tuple[str | int, ...]) -> Diagnostics:
    diags = Diagnostics()
    value = str(node.value)
    if "${" in value:
        return diags
    if _UNCLOSED.search(value):
        diags.append(error(f"{value}: invalid pattern (a [ without ])", node.loc,
                           path=format_path(path)))
        return diags
    full = value if os.path.isabs(value) else os.path.join(relative_base(node, ctx.root), value)
    if not any(os.path.isfile(m) for m in glob.glob(full)):
        diags.append(error(
            f"{value}: no matching files", node.loc, path=format_path(path),
            detail="The artifact has no `build` command, so its files must exist already. "
            "Fix the path, or add the `build` command that makes them.",
        ))
    return diags
