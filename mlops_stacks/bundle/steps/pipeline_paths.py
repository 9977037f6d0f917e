"""Local paths in pipelines -> workspace paths (part of ``TranslatePaths``).

Reads, in each ``resources.pipelines.<key>``: ``libraries[].notebook.path``,
``libraries[].file.path``, ``libraries[].glob.include``, ``root_path`` and
``environment.dependencies``. As in the Databricks CLI:

- a ``notebook`` or ``file`` path with a wildcard (``../src/*.sql``) becomes one
  library per matching file, in name order; a wildcard that matches nothing is
  left as written and reported as a missing file;
- a ``notebook`` path must name a notebook (the workspace path drops the
  extension) and a ``file`` path a plain file;
- a ``glob.include`` pattern (``../src/**``) is translated as written: the
  workspace expands it;
- ``root_path`` must be a folder of the bundle;
- dependencies follow jobs' environment dependencies (pip syntax).

Each path is relative to the YAML file that declares it. Absolute paths, URLs
and values with references are left alone. The Pipelines API takes only
workspace paths, so a library left relative would fail at deploy.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from mlops_stacks.bundle.nodes import Node, format_path, relative_base
from mlops_stacks.bundle.steps.path_translator import NodePath, Translator, is_local_path
from mlops_stacks.diagnostics import error

#: The first line that makes a source file a notebook, by extension.
_NOTEBOOK_HEADERS = {".py": "# Databricks notebook source", ".sql": "-- Databricks notebook source",
                     ".scala": "// Databricks notebook source",
                     ".r": "# Databricks notebook source"}


def is_notebook(path: Path) -> bool:
    """Whether the local file ``path`` is a notebook (the workspace imports it as one)."""
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return True
    header = _NOTEBOOK_HEADERS.get(suffix)
    if header is None:
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.readline().strip() == header
    except OSError:
        return False


def _expect_notebook(found: Path) -> str | None:
    return None if is_notebook(found) else f"expected a notebook, but {found.name} is a file"


def _expect_file(found: Path) -> str | None:
    return f"expected a file, but {found.name} is a notebook" if is_notebook(found) else None


def translate_pipeline(translator: Translator, pipeline: Node, path: NodePath) -> None:
    if not pipeline.is_map:
        return
    libraries = pipeline.get("libraries")
    if libraries is not None and libraries.is_list:
        root = translator.bundle_root
        libraries.value = [out for lib in libraries.value for out in _expand(lib, root)]
        for i, lib in enumerate(libraries.value):
            _library(translator, lib, path + ("libraries", i))
    root_path = pipeline.get("root_path")
    if root_path is not None and is_local_path(root_path.value):
        _folder(translator, root_path, path + ("root_path",))
    translator.dependencies(pipeline.at("environment", "dependencies"))


def _expand(lib: Node, root: Path) -> list[Node]:
    """One library per file a ``notebook``/``file`` wildcard matches (else ``lib`` itself)."""
    for kind in ("notebook", "file"):
        node = lib.at(kind, "path") if lib.is_map else None
        if node is None or not is_local_path(node.value) or not glob.has_magic(str(node.value)):
            continue
        base = relative_base(node, root)
        matches = sorted(m for m in glob.glob(os.path.join(base, str(node.value)))
                         if os.path.isfile(m))
        if not matches:
            return [lib]
        out = []
        for match in matches:
            copy = lib.copy()
            target = copy.at(kind, "path")
            assert target is not None
            target.value = Path(os.path.relpath(match, base)).as_posix()
            out.append(copy)
        return out
    return [lib]


def _library(translator: Translator, lib: Node, path: NodePath) -> None:
    if not lib.is_map:
        return
    for kind, field in (("notebook", "path"), ("file", "path"), ("glob", "include")):
        node = lib.at(kind, field)
        if node is None or not is_local_path(node.value):
            continue
        where = path + (kind, field)
        if kind == "notebook":
            translator.notebook(node, where, check=_expect_notebook)
        elif kind == "file":
            translator.file(node, where, check=_expect_file)
        else:
            translator.under_root(node, where)


def _folder(translator: Translator, node: Node, path: NodePath) -> None:
    local = translator.local(node)
    if not local.is_dir():
        translator.diags.append(error(
            f"folder not found: {node.value}", node.loc, path=format_path(path),
            detail=f"It resolves to {local}" + (", a file." if local.exists() else ".")
            + " root_path names a folder of the bundle, relative to the file that declares it.",
        ))
        return
    translator.under_root(node, path)
