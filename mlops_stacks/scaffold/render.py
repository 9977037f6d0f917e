"""Rendering with copier, and leaving nothing half-written.

copier renders in place, as ``copier copy`` does (``fresh_destination``). Every
failure, or Ctrl-C, removes what was written and the parent folders made for
it. Adding a project to a repository first renders into a temporary folder
beside it (without tasks) to learn which files it adds, so collisions are
refused before anything is written (``staging_area``, ``new_files``).
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
from mlops_stacks.jsontypes import JsonObject


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
    data: JsonObject,
    *,
    answers_file: str | None = None,
    trusted: bool = False,
    cache_bytecode: bool = False,
    vcs_ref: str | None = None,
    skip_tasks: bool = False,
) -> None:
    """Render ``template`` into ``dest`` with ``data`` (defaults for the rest)."""
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
            skip_tasks=skip_tasks,
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


def _make_parents(dest: Path) -> list[Path]:
    """Create the missing parent folders of ``dest``; returns them, deepest first."""
    created: list[Path] = []
    parent = dest.absolute().parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    for folder in reversed(created):
        folder.mkdir()
    return created


def _remove_folders(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; a folder someone else filled stays
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def fresh_destination(dest: Path) -> Iterator[Path]:
    """Render into ``dest`` (absent, or an empty folder); on failure it is as before.

    copier renders in place, as a bare ``copier copy`` does, so what the template
    sees (``_copier_conf.dst_path``) and what its tasks write (absolute paths, a
    virtual environment) is the real destination. If the block fails or is
    interrupted, ``dest`` is removed when this made it, emptied when it was an
    empty folder, and the parent folders made for it are removed.
    """
    existed = dest.is_dir()
    if existed and any(dest.iterdir()):  # checked before prompting; files came since
        raise MlopsStacksError(
            f"OUTPUT_DIR {dest}: is no longer empty; nothing was written. "
            "Pass a new or empty folder."
        )
    created = _make_parents(dest)
    marker = incomplete_marker(dest)
    marker.write_text(f"init of {dest.name} by process {os.getpid()}\n", encoding="utf-8")
    try:
        with _stop_signals_interrupt():
            yield dest
    except BaseException:
        if existed:
            for child in list(dest.iterdir()):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        else:
            shutil.rmtree(dest, ignore_errors=True)
        # The marker sits in dest's parent, which may be a folder this init created.
        marker.unlink(missing_ok=True)
        _remove_folders(created)
        raise
    finally:
        marker.unlink(missing_ok=True)


def incomplete_marker(dest: Path) -> Path:
    """Beside ``dest`` while ``init`` renders into it; left behind only when the process
    was killed outright (SIGKILL), so the next ``init`` can say what happened."""
    dest = dest.absolute()
    return dest.parent / f".{dest.name}.mlops-stacks-init"


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) interrupt like Ctrl-C, so the cleanup runs."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    saved = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def staging_area(dest: Path) -> Iterator[Path]:
    """A temporary folder beside ``dest``, removed afterwards; yields ``<tmp>/<dest name>``."""
    dest = dest.absolute()
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.mlops-stacks-", dir=dest.parent))
    try:
        yield tmp / dest.name
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def new_files(root: Path, files: list[Path]) -> Iterator[None]:
    """Render ``files`` (relative, none of them existing yet) into ``root``; on failure
    they are removed again, with the folders made for them."""
    folders = {p for rel in files for p in (root / rel).parents if root in p.parents}
    missing = sorted((p for p in folders if not p.exists()), key=lambda p: -len(p.parts))
    try:
        yield
    except BaseException:
        for rel in files:
            with contextlib.suppress(OSError):
                (root / rel).unlink()
        _remove_folders(missing)
        raise
