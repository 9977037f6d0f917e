"""TranslatePaths: local file paths in jobs -> workspace paths under ``workspace.file_path``.

Reads: ``workspace.file_path``; in every job task (including
``for_each_task.task``): ``notebook_task.notebook_path``,
``spark_python_task.python_file``, ``libraries[].whl`` / ``requirements`` /
``jar``; in job ``environments[].spec.dependencies``: entries that are
relative file paths. Each is relative to the YAML file that declares it (to the
bundle root for resources a ``python:`` function returned, as in the CLI).
Changes: the value becomes ``<file_path>/<path relative to the bundle root>``,
without ``.py``/``.ipynb`` for notebooks (the workspace stores notebooks
without an extension) and unchanged for other files. ``Bundle.local_path``
maps such workspace paths back to files. Absolute paths, URLs, paths in a
``git_source`` job and values with unresolved references are left alone.
Errors: a notebook, Python file or requirements file that does not exist
(with a "did you mean" for a near miss) or that lies outside the bundle root.

Wheels and jars (``libraries[].whl`` / ``jar``) and environment dependencies
are what ``artifacts:`` builds, so, as in the Databricks CLI, they need not
exist when a bundle is validated: an existing file is translated, a missing
file or a glob (``../dist/*.whl``) is left as written, without a diagnostic.
Dependencies use pip's syntax: ``-r ../requirements.txt`` and ``-e ./pkg``
have their path translated; package specs (``mlflow>=3``) and other options
are left alone.
"""

from __future__ import annotations

import difflib
import glob
import os
from pathlib import Path

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.model import sync_root
from mlops_stacks.bundle.nodes import (
    CONFIG_SUFFIXES,
    Node,
    format_path,
    relative_base,
    to_plain,
)
from mlops_stacks.diagnostics import Diagnostics, error

NOTEBOOK_SUFFIXES = (".py", ".ipynb", ".sql", ".scala", ".r", ".R")
SKIP_DIRS = {".git", ".mlops-stacks", "__pycache__", ".venv", "venv", "node_modules",
             ".databricks", ".pytest_cache", ".ruff_cache"}
MAX_LISTED_FILES = 20000


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


class TranslatePaths:
    name = "translate_paths"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        jobs = tree.at("resources", "jobs") if tree is not None else None
        if tree is None or jobs is None or not jobs.is_map:
            return diags
        file_path = tree.at("workspace", "file_path")
        base = str(file_path.value).rstrip("/") if file_path is not None else ""
        sync = tree.get("sync")
        paths = sync.get("paths") if sync is not None and sync.is_map else None
        root = sync_root(ctx.root, to_plain(paths) if paths is not None and paths.is_list
                         else None)
        translator = _Translator(root, base, diags, ctx.root)
        for job_key, job in jobs.items():
            if not job.is_map or job.get("git_source") is not None:
                continue
            prefix = ("resources", "jobs", job_key)
            tasks = job.get("tasks")
            for i, task in enumerate(tasks.value if tasks is not None and tasks.is_list else []):
                translator.task(task, prefix + ("tasks", i))
            envs = job.get("environments")
            for env in envs.value if envs is not None and envs.is_list else []:
                deps = env.at("spec", "dependencies")
                for dep in deps.value if deps is not None and deps.is_list else []:
                    split = pip_path(dep.value) if isinstance(dep.value, str) else None
                    if split is not None:
                        translator.built(dep, *split)
        return diags


class _Translator:
    def __init__(self, root: Path, base: str, diags: Diagnostics, bundle_root: Path) -> None:
        self.root = root
        self.bundle_root = bundle_root
        self.base = base
        self.diags = diags
        self._files: list[str] | None = None
        self._translated: dict[tuple[str, object, bool], str] = {}

    def task(self, task: Node, path: tuple[str | int, ...]) -> None:
        if not task.is_map:
            return
        nb = task.at("notebook_task", "notebook_path")
        source = task.at("notebook_task", "source")
        if nb is not None and is_local_path(nb.value) and (source is None or source.value != "GIT"):
            self.notebook(nb, path + ("notebook_task", "notebook_path"))
        py = task.at("spark_python_task", "python_file")
        source = task.at("spark_python_task", "source")
        if py is not None and is_local_path(py.value) and (source is None or source.value != "GIT"):
            self.file(py, path + ("spark_python_task", "python_file"))
        libs = task.get("libraries")
        for i, lib in enumerate(libs.value if libs is not None and libs.is_list else []):
            for kind in ("whl", "requirements", "jar"):
                node = lib.get(kind) if lib.is_map else None
                if node is None or not is_local_path(node.value):
                    continue
                if kind == "requirements":
                    self.file(node, path + ("libraries", i, kind))
                else:
                    self.built(node, "", str(node.value))
        inner = task.at("for_each_task", "task")
        if inner is not None:
            self.task(inner, path + ("for_each_task", "task"))

    def _locate(self, node: Node, path: tuple[str | int, ...],
                suffixes: tuple[str, ...] = ()) -> Path | None:
        declared_in = relative_base(node, self.bundle_root)
        local = Path(os.path.normpath(os.path.join(declared_in, str(node.value))))
        # os.path.isfile: False (not OSError) for names too long and other OS refusals
        found = local if os.path.isfile(local) else None
        if found is None and not local.suffix:
            found = next((local.with_name(local.name + s) for s in suffixes
                          if os.path.isfile(local.with_name(local.name + s))), None)
        if found is None:
            self._missing(node, path, local)
            return None
        try:
            found.relative_to(self.root)
        except ValueError:
            self.diags.append(error(
                f"{node.value} is outside the bundle root", node.loc, path=format_path(path),
                detail=f"It resolves to {found}; only files under {self.root} are synced "
                "to the workspace. Move the file into the bundle.",
            ))
            return None
        return found

    def _translate(self, node: Node, path: tuple[str | int, ...], notebook: bool) -> None:
        # Jobs share notebooks: each (declaring folder, path) is looked up once.
        cache_key = (str(relative_base(node, self.bundle_root)), node.value, notebook)
        translated = self._translated.get(cache_key)
        if translated is None:
            found = self._locate(node, path, NOTEBOOK_SUFFIXES if notebook else ())
            if found is None:
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
        declared_in = relative_base(node, self.bundle_root)
        local = Path(os.path.normpath(os.path.join(declared_in, rel)))
        if not local.exists():
            return
        try:
            inside = local.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return  # outside the bundle: uploaded from where it is at deploy
        node.value = f"{prefix}{self.base}/{inside}"

    def notebook(self, node: Node, path: tuple[str | int, ...]) -> None:
        """A notebook: the workspace path has no extension."""
        self._translate(node, path, notebook=True)

    def file(self, node: Node, path: tuple[str | int, ...]) -> None:
        """Any other file: the workspace path keeps the file name as it is."""
        self._translate(node, path, notebook=False)

    def _missing(self, node: Node, path: tuple[str | int, ...], local: Path) -> None:
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
