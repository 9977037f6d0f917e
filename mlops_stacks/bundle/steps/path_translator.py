"""The machinery of ``TranslatePaths``: local paths -> workspace paths under ``file_path``.

``Translator`` resolves a path from where it was declared (the YAML file's
folder; the bundle root for Python-defined resources), checks that the file
exists inside the sync root (with a "did you mean" for a near miss) and
rewrites the value to ``<file_path>/<path relative to the sync root>``
(notebooks without their extension). ``TranslatePaths`` (jobs) and
``pipeline_paths`` (pipelines) say which fields hold which kind of path.
"""

from __future__ import annotations

import difflib
import glob
import os
from collections.abc import Callable
from pathlib import Path

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.model import sync_root
from mlops_stacks.bundle.nodes import CONFIG_SUFFIXES, Node, format_path, relative_base, to_plain
from mlops_stacks.diagnostics import Diagnostics, error

NodePath = tuple[str | int, ...]
#: Says why a found file does not fit (a notebook where a file is wanted), or None.
Check = Callable[[Path], str | None]

#: Shown with a problem a check reports.
NOTEBOOK_HELP = ("A notebook is an .ipynb file or a source file whose first line is "
                 "`# Databricks notebook source` (`-- ...` in SQL, `// ...` in Scala). Use "
                 "`notebook:` for notebooks and `file:` for plain source files.")
NOTEBOOK_SUFFIXES = (".py", ".ipynb", ".sql", ".scala", ".r", ".R")
SKIP_DIRS = {".git", ".mlops-stacks", "__pycache__", ".venv", "venv", "node_modules",
             ".databricks", ".pytest_cache", ".ruff_cache"}
MAX_LISTED_FILES = 20000


def tree_sync_root(ctx: Context) -> Path:
    """The sync root of the bundle in ``ctx`` (its root unless ``sync.paths`` leave it)."""
    sync = ctx.tree.get("sync") if ctx.tree is not None else None
    paths = sync.get("paths") if sync is not None and sync.is_map else None
    return sync_root(ctx.root, to_plain(paths) if paths is not None and paths.is_list else None)


def is_local_path(value: object) -> bool:
    """True for a relative file path (not absolute, not a URL, no references)."""
    if not isinstance(value, str) or not value.strip():
        return False
    if "${" in value or "://" in value or value.startswith(("/", "~")):
        return False
    return True


def _is_dependency_path(value: object) -> bool:
    if not is_local_path(value):
        return False
    text = str(value)
    return text.startswith(("./", "../")) or text.endswith((".whl", ".txt", ".tar.gz"))


#: pip options whose argument is a local path.
_PIP_PATH_OPTIONS = ("-r", "--requirement", "-e", "--editable", "-c", "--constraint")


def pip_path(entry: str) -> tuple[str, str] | None:
    """``(prefix, path)`` of a pip requirement line that names a local file, else ``None``.

    ``-r ../requirements.txt`` -> ``("-r ", "../requirements.txt")``;
    ``./dist/pkg.whl`` -> ``("", "./dist/pkg.whl")``; ``mlflow>=3`` -> ``None``.
    """
    text = entry.strip()
    if text.startswith("-"):
        for option in _PIP_PATH_OPTIONS:
            if text.startswith(option + "="):
                rest = text[len(option) + 1:]
                return (option + "=", rest) if is_local_path(rest) else None
            if text.startswith(option) and text[len(option):][:1].isspace():
                rest = text[len(option):].strip()
                prefix = text[: len(text) - len(rest)]
                return (prefix, rest) if is_local_path(rest) else None
        return None
    return ("", text) if _is_dependency_path(text) else None


class Translator:
    """Rewrites local paths to workspace paths and reports the ones that do not exist."""

    def __init__(self, root: Path, base: str, diags: Diagnostics, bundle_root: Path) -> None:
        self.root = root
        self.bundle_root = bundle_root
        self.base = base
        self.diags = diags
        self._files: list[str] | None = None
        self._translated: dict[tuple[str, object, bool, object], str] = {}

    def dependencies(self, deps: Node | None) -> None:
        """Environment dependencies in pip's syntax: the local paths among them."""
        for dep in deps.value if deps is not None and deps.is_list else []:
            split = pip_path(dep.value) if isinstance(dep.value, str) else None
            if split is not None:
                self.built(dep, *split)

    def local(self, node: Node) -> Path:
        """The local path ``node`` names (relative paths from where it was declared)."""
        declared_in = relative_base(node, self.bundle_root)
        return Path(os.path.normpath(os.path.join(declared_in, str(node.value))))

    def inside(self, node: Node, path: NodePath, local: Path) -> str | None:
        """``local`` relative to the sync root (posix), or None with an error."""
        try:
            return local.relative_to(self.root).as_posix()
        except ValueError:
            self.diags.append(error(
                f"{node.value} is outside the bundle root", node.loc, path=format_path(path),
                detail=f"It resolves to {local}; only files under {self.root} are synced "
                "to the workspace. Move the file into the bundle.",
            ))
            return None

    def _locate(self, node: Node, path: NodePath,
                suffixes: tuple[str, ...] = ()) -> Path | None:
        local = self.local(node)
        # os.path.isfile: False (not OSError) for names too long and other OS refusals
        found = local if os.path.isfile(local) else None
        if found is None and not local.suffix:
            found = next((local.with_name(local.name + s) for s in suffixes
                          if os.path.isfile(local.with_name(local.name + s))), None)
        if found is None:
            self._missing(node, path, local)
            return None
        return found if self.inside(node, path, found) is not None else None

    def _translate(self, node: Node, path: NodePath, notebook: bool,
                   check: Check | None = None) -> None:
        # Jobs share notebooks: each (declaring folder, path) is looked up once.
        cache_key = (str(relative_base(node, self.bundle_root)), node.value, notebook, check)
        translated = self._translated.get(cache_key)
        if translated is None:
            found = self._locate(node, path, NOTEBOOK_SUFFIXES if notebook else ())
            if found is None:
                return
            problem = check(found) if check is not None else None
            if problem:
                self.diags.append(error(problem, node.loc, path=format_path(path),
                                        detail=NOTEBOOK_HELP))
                return
            rel = found.relative_to(self.root).as_posix()
            if notebook and found.suffix in NOTEBOOK_SUFFIXES:
                rel = rel[: -len(found.suffix)]
            translated = self._translated[cache_key] = f"{self.base}/{rel}"
        node.value = translated

    def built(self, node: Node, prefix: str, rel: str) -> None:
        """A file a build may make (wheel, jar, dependency): translated only if it exists."""
        if glob.has_magic(rel):
            return
        local = Path(os.path.normpath(os.path.join(relative_base(node, self.bundle_root), rel)))
        if not local.exists():
            return
        try:
            inside = local.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return  # outside the bundle: uploaded from where it is at deploy
        node.value = f"{prefix}{self.base}/{inside}"

    def notebook(self, node: Node, path: NodePath,
                 check: Check | None = None) -> None:
        """A notebook: the workspace path has no extension. ``check`` may refuse the file."""
        self._translate(node, path, notebook=True, check=check)

    def file(self, node: Node, path: NodePath,
             check: Check | None = None) -> None:
        """Every other file: the workspace path keeps the file name as it is."""
        self._translate(node, path, notebook=False, check=check)

    def relative(self, node: Node, path: NodePath) -> None:
        """A local file read at deploy: relative to the sync root (need not exist yet)."""
        rel = self.inside(node, path, self.local(node))
        if rel is not None:
            node.value = rel

    def under_root(self, node: Node, path: NodePath) -> None:
        """A path that need not exist yet (a glob): translated when inside the sync root."""
        rel = self.inside(node, path, self.local(node))
        if rel is not None:
            node.value = f"{self.base}/{rel}" if rel != "." else self.base

    def _missing(self, node: Node, path: NodePath, local: Path) -> None:
        base = relative_base(node, self.bundle_root)
        detail = (f"Paths are relative to the file that declares them ({node.loc.file})."
                  if node.loc.file.endswith(CONFIG_SUFFIXES)
                  else "Paths in Python-defined resources are relative to the bundle root.")
        try:
            rel = local.relative_to(self.root).as_posix()
        except ValueError:
            rel = None
        if rel is not None:
            match = difflib.get_close_matches(rel, self.files(), n=1, cutoff=0.75)
            if match:
                suggestion = os.path.relpath(self.root / match[0], base)
                detail += f' Did you mean "{Path(suggestion).as_posix()}"?'
        self.diags.append(error(
            f"file not found: {node.value}", node.loc, path=format_path(path), detail=detail,
        ))

    def files(self) -> list[str]:
        """Files under the bundle root (relative, posix), listed once."""
        if self._files is None:
            out: list[str] = []
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
                rel_dir = Path(dirpath).relative_to(self.root)
                out.extend((rel_dir / f).as_posix() for f in filenames)
                if len(out) > MAX_LISTED_FILES:
                    break
            self._files = out
        return self._files
