"""Rendering with copier into a temporary folder, and moving the result into place.

Nothing is ever half-written: copier renders into a temporary folder created
next to the destination (same file system), and only a complete result is
moved into place with ``os.replace``. Any failure removes the temporary
folder and any parent folders this run created.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError


def _copier_error_types() -> tuple[type[BaseException], ...]:
    import jinja2
    from copier.errors import CopierError

    return (CopierError, ValueError, jinja2.TemplateError, OSError, ImportError, AttributeError)


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


@functools.lru_cache(maxsize=1)
def _bytecode_cache() -> Any:
    """A Jinja bytecode cache for the built-in template, or ``None`` if it cannot be kept.

    Compiling the template is most of the rendering time; compiled code is
    reused when a source is unchanged. The folder is per copier and Jinja
    version, so their upgrades never see each other's bytecode.
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


def tune_jinja(env: Any, cache_bytecode: bool = False) -> None:
    """Speed up copier's Jinja environment without changing what it renders.

    copier compiles each question's ``when``, ``default`` and ``validator``, and
    each path below a templated folder, every time it renders them: each
    distinct string is compiled once here. With ``cache_bytecode`` (only for the
    built-in template, whose Jinja settings are known) compiled code, of files
    and of those strings, is kept between runs in Jinja's bytecode cache.
    """
    cache = _bytecode_cache() if cache_bytecode else None
    compile_string = env.from_string

    @functools.cache
    def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if cache is None or not isinstance(source, str) or globals or template_class:
            return compile_string(source, globals, template_class)
        bucket = cache.get_bucket(env, source, None, source)  # keyed by the string
        if bucket.code is None:
            bucket.code = env.compile(source)
            cache.set_bucket(bucket)
        return env.template_class.from_code(env, bucket.code, env.make_globals(None), None)

    env.from_string = from_string
    if cache is not None:
        env.bytecode_cache = cache


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
    from copier import Worker
    from copier.errors import UnsafeTemplateError

    try:
        with Worker(
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
            tune_jinja(worker.jinja_env, cache_bytecode)
            worker.run_copy()
        dest.mkdir(parents=True, exist_ok=True)  # a template may render no file at all
    except UnsafeTemplateError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unsafe features"
        raise MlopsStacksError(
            f"the template runs code on your machine ({first.rstrip('.')}).",
            hint="Nothing was written. Review the template, then pass --trust.",
        ) from None
    except _copier_error_types() as exc:
        lines = [line.strip() for line in str(exc).strip().splitlines()] or [type(exc).__name__]
        first = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]  # a heading
        raise MlopsStacksError(
            f"rendering the template failed: {first}",
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
    head = yaml.safe_dump({"_commit": version_tag(), "_src_path": BUILTIN_URL}, sort_keys=False)
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
