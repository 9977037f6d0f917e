"""Rendering with copier into a temporary folder, and moving the result into place.

Nothing is ever half-written: copier renders into a temporary folder created
next to the destination (same file system), and only a complete result is
moved into place with ``os.replace``. Any failure removes the temporary
folder and any parent folders this run created.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError


def _copier_error_types() -> tuple[type[BaseException], ...]:
    import jinja2
    from copier.errors import CopierError

    return (CopierError, ValueError, jinja2.TemplateError, OSError)


# Tool caches that appear when someone runs tests or linters inside a template
# folder; never part of a generated project.
CACHE_EXCLUDES = (
    "__pycache__",
    "*.py[co]",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".mlops-stacks",
)


def _bytecode_cache() -> Any:
    """A Jinja bytecode cache for the built-in template, or ``None`` if it cannot be kept.

    Compiling the template's files is most of the rendering time; compiled code
    is reused when a file's source is unchanged. The folder is per copier and
    Jinja version, so their upgrades never see each other's bytecode.
    """
    from importlib.metadata import version

    from jinja2 import FileSystemBytecodeCache

    from mlops_stacks.cache import cache_dir

    folder = cache_dir() / f"jinja-copier{version('copier')}-jinja{version('jinja2')}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


def _worker_class(cache_bytecode: bool = False) -> Any:
    """copier's ``Worker`` for rendering into a brand-new folder.

    copier asks git about every rendered file whose mode differs from the
    template's, to fix the executable bit of files *tracked* in the
    destination's index. A fresh temporary folder has no tracked files, so
    these queries (one ``git`` process per file) are skipped. Path templates
    are compiled once each, and the answers file's path is only rendered when
    it holds Jinja. With ``cache_bytecode`` (only for the built-in template,
    whose Jinja settings are known) compiled templates are kept between runs.
    """
    from copier import Worker

    class FreshWorker(Worker):  # type: ignore[misc]
        @cached_property
        def jinja_env(self) -> Any:
            env = Worker.jinja_env.func(self)
            if cache_bytecode:
                env.bytecode_cache = _bytecode_cache()
            return env

        def _sync_git_index_executable_bit(self, *args: Any, **kwargs: Any) -> None:
            return None

        def _render_string(self, string: str, extra_context: Any = None) -> str:
            # copier compiles the same path templates (e.g. the project folder's
            # name) once per file below them; compile each distinct string once.
            cache = self.__dict__.setdefault("_compiled_strings", {})
            compiled = cache.get(string)
            if compiled is None:
                compiled = cache[string] = self.jinja_env.from_string(string)
            return str(compiled.render(**self._render_context(), **(extra_context or {})))

        @property
        def answers_relpath(self) -> Path:
            # copier renders this path (a Jinja compile) for every file it writes;
            # a path without Jinja in it renders to itself.
            path = self.answers_file or self.template.answers_relpath
            if "{" not in str(path):
                return Path(path)
            return super().answers_relpath  # type: ignore[no-any-return]

    return FreshWorker


def render(
    template: str,
    dest: Path,
    data: dict[str, Any],
    *,
    answers_file: str | None = None,
    trusted: bool = False,
    cache_bytecode: bool = False,
    vcs_ref: str | None = None,
) -> None:
    """Render ``template`` into the new folder ``dest`` with ``data`` (defaults for the rest)."""
    from copier.errors import UnsafeTemplateError

    worker_class = _worker_class(cache_bytecode=cache_bytecode)
    try:
        with worker_class(
            src_path=template,
            vcs_ref=vcs_ref,
            dst_path=dest,
            data=data,
            answers_file=Path(answers_file) if answers_file else None,
            exclude=CACHE_EXCLUDES,
            defaults=True,
            quiet=True,
            overwrite=True,
            unsafe=trusted,
            cleanup_on_error=False,
        ) as worker:
            worker.run_copy()
    except UnsafeTemplateError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unsafe features"
        raise MlopsStacksError(
            f"the template runs code on your machine ({first.rstrip('.')}).",
            hint="Nothing was written. Review the template, then pass --trust.",
        ) from None
    except _copier_error_types() as exc:
        message = str(exc).strip().splitlines()
        raise MlopsStacksError(
            f"rendering the template failed: {message[0] if message else type(exc).__name__}",
            hint="Nothing was written. Check the answers and the template, or run with --debug.",
        ) from exc


def record_builtin_source(answers_path: Path) -> None:
    """Record the built-in template portably: its name and the mlops-stacks release.

    copier records the folder it rendered from, a path of this machine; a project
    records ``_src_path: mlops-stacks://builtin/mlops-stacks.git`` and ``_commit:
    v<version>`` instead, which ``update`` resolves offline (see ``releases``).
    """
    import yaml

    from mlops_stacks.scaffold.releases import BUILTIN_URL, version_tag

    if not answers_path.is_file():
        return
    lines = answers_path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(("_src_path:", "_commit:"))]
    head = yaml.safe_dump(
        {"_commit": version_tag(), "_src_path": BUILTIN_URL}, sort_keys=False
    )
    answers_path.write_text(head + "".join(kept), encoding="utf-8")


@contextlib.contextmanager
def staging_area(dest: Path) -> Iterator[Path]:
    """A temporary folder beside ``dest``; yields ``<tmp>/<dest name>`` (not yet created).

    Parent folders of ``dest`` are created as needed and removed again if the
    block fails; the temporary folder is always removed.
    """
    dest = dest.absolute()
    created: list[Path] = []
    parent = dest.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    for folder in reversed(created):
        folder.mkdir()
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.mlops-stacks-", dir=dest.parent))
    try:
        yield tmp / dest.name
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def place(rendered: Path, dest: Path) -> None:
    """Move the finished folder ``rendered`` to ``dest`` (absent or an empty folder)."""
    if dest.is_dir():
        dest.rmdir()  # empty: checked before rendering
    os.replace(rendered, dest)


def merge(rendered: Path, dest: Path, files: list[Path]) -> None:
    """Move ``files`` (relative to ``rendered``) into the existing folder ``dest``.

    Callers check for collisions first; if a move still fails, the files moved
    so far (and folders created for them) are removed again.
    """
    moved: list[Path] = []
    made: list[Path] = []
    try:
        for rel in files:
            target = dest / rel
            missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
            os.replace(rendered / rel, target)
            moved.append(target)
    except BaseException:
        for target in moved:
            with contextlib.suppress(OSError):
                target.unlink()
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
