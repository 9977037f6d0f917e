"""Check, before a run, that the packages a job declares are installed.

Sources, for the tasks that will run:

- ``environments[].spec.dependencies`` of the environments the tasks use
  (``-r FILE`` entries are read; wheel files and other paths are left out);
- ``tasks[].libraries``: ``pypi.package`` and ``requirements`` files;
- for notebook tasks, the project's ``requirements.txt``: the nearest one
  found walking up from the notebook to the files root (the directory that
  holds ``databricks.yml``, or ``files_root``), and what the notebook's own
  ``%pip install`` lines name (``shims/pip.py``; they are not run mid-run).

A package counts as present when its *distribution* is installed in this
interpreter (``importlib.metadata``), whatever its import name. Versions are
not compared: a different version may still work, a missing package never does.
All missing packages are reported at once, with the pip command that installs them.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlops_stacks.errors import MissingDependencyError
from mlops_stacks.jsontypes import JsonObject

ResolvePath = Callable[[str], Path]
_SKIPPED_OPTIONS = (
    "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
    "-f", "--find-links", "--pre", "--no-index", "--trusted-host", "--prefer-binary",
    "--only-binary", "--no-binary",
)  # fmt: skip
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Declared:
    """One declared requirement: the spec as written, its distribution name, and where from."""

    spec: str
    name: str
    source: str


def check_requirements(
    job: JsonObject,
    *,
    resolve_path: ResolvePath,
    job_key: str = "job",
    tasks: Iterable[str] | None = None,
    files_root: Path | None = None,
) -> list[Declared]:
    """Raise ``MissingDependencyError`` naming every declared package that is not installed.

    ``tasks`` limits the check to those task keys (``--only``). Returns what was checked.
    """
    declared = collect_requirements(
        job, resolve_path=resolve_path, tasks=tasks, files_root=files_root
    )
    missing: list[Declared] = []
    seen: set[str] = set()
    for req in declared:
        key = _normalize(req.name)
        if key in seen:
            continue
        seen.add(key)
        if not is_installed(req.name):
            missing.append(req)
    if missing:
        lines = "\n".join(f"  - {m.spec}  (from {m.source})" for m in missing)
        command = f"{shlex.quote(sys.executable)} -m pip install " + " ".join(
            shlex.quote(m.spec) for m in missing
        )
        raise MissingDependencyError(
            f"Job '{job_key}' needs Python packages that are not installed in "
            f"{sys.executable}:\n{lines}",
            hint=f"Install them with:\n  {command}",
        )
    return declared


def is_installed(name: str) -> bool:
    """Whether the distribution ``name`` is installed in this interpreter."""
    for candidate in {name, _normalize(name), name.replace("_", "-")}:
        try:
            metadata.distribution(candidate)
            return True
        except metadata.PackageNotFoundError:
            continue
    return False


def collect_requirements(
    job: JsonObject,
    *,
    resolve_path: ResolvePath,
    tasks: Iterable[str] | None = None,
    files_root: Path | None = None,
) -> list[Declared]:
    """Every package requirement the selected tasks of ``job`` declare."""
    wanted = set(tasks) if tasks is not None else None
    selected = [t for t in job.get("tasks") or [] if wanted is None or t.get("task_key") in wanted]
    envs = {
        e.get("environment_key"): e for e in job.get("environments") or [] if isinstance(e, dict)
    }
    out: list[Declared] = []
    used_envs: list[str] = []
    project_files: list[Path] = []
    for task in _flatten(selected):
        env_key = task.get("environment_key")
        if isinstance(env_key, str) and env_key in envs and env_key not in used_envs:
            used_envs.append(env_key)
        for lib in task.get("libraries") or []:
            if not isinstance(lib, dict):
                continue
            pypi = lib.get("pypi")
            if isinstance(pypi, dict) and pypi.get("package"):
                source = f"task '{task.get('task_key')}' libraries"
                out.extend(_parse_line(str(pypi["package"]), source, None, resolve_path))
            if lib.get("requirements"):
                path = _locate(str(lib["requirements"]), None, resolve_path)
                if path is not None:
                    out.extend(_parse_file(path, resolve_path, set()))
        notebook = (task.get("notebook_task") or {}).get("notebook_path")
        if notebook:
            out.extend(_pip_magics(_resolve_file(notebook, resolve_path), resolve_path))
            req_file = project_requirements(_resolve_file(notebook, resolve_path), files_root)
            if req_file is not None and req_file not in project_files:
                project_files.append(req_file)
    for key in used_envs:
        spec = envs[key].get("spec") or {}
        for dep in spec.get("dependencies") or []:
            out.extend(_parse_line(str(dep), f"environment '{key}'", None, resolve_path))
    for path in project_files:
        out.extend(_parse_file(path, resolve_path, set()))
    return out


def project_requirements(notebook: Path | None, files_root: Path | None = None) -> Path | None:
    """The nearest ``requirements.txt`` from a notebook's directory up to the files root."""
    if notebook is None:
        return None
    root = files_root.resolve() if files_root else None
    directory = notebook.resolve().parent
    while True:
        candidate = directory / "requirements.txt"
        if candidate.is_file():
            return candidate
        at_root = (
            directory == root
            or (directory / "databricks.yml").is_file()
            or (directory / "databricks.yaml").is_file()
            or (directory / ".git").exists()
            or directory.parent == directory
        )
        if at_root:
            return None
        directory = directory.parent


def _pip_magics(notebook: Path | None, resolve_path: ResolvePath) -> list[Declared]:
    """What the notebook's ``%pip install`` lines name (``shims/pip.py``)."""
    from mlops_stacks.runner.shims.pip import requirement_lines

    if notebook is None:
        return []
    out: list[Declared] = []
    for number, spec in requirement_lines(notebook):
        out.extend(_parse_line(spec, f"{notebook}:{number} (%pip)", notebook, resolve_path))
    return out


def _flatten(tasks: list[JsonObject]) -> list[JsonObject]:
    """Tasks, with the inner task of a for_each_task as well."""
    out = []
    for t in tasks:
        out.append(t)
        inner = (t.get("for_each_task") or {}).get("task")
        if isinstance(inner, dict):
            out.append(inner)
    return out


def _resolve_file(path: str, resolve_path: ResolvePath) -> Path | None:
    try:
        local = Path(resolve_path(path))
    except Exception:  # noqa: BLE001 - a path we cannot map is checked elsewhere
        return None
    if not local.exists() and local.with_name(local.name + ".py").exists():
        local = local.with_name(local.name + ".py")
    return local


def _locate(ref: str, base: Path | None, resolve_path: ResolvePath) -> Path | None:
    """A file named in a dependency: relative to the including file, or a workspace path."""
    candidates: list[Path] = []
    if base is not None and not ref.startswith("/"):
        candidates.append(base.parent / ref)
    local = _resolve_file(ref, resolve_path)
    if local is not None:
        candidates.append(local)
    candidates.append(Path(ref))
    return next((c for c in candidates if c.is_file()), None)


def _parse_file(path: Path, resolve_path: ResolvePath, seen: set[Path]) -> list[Declared]:
    path = path.resolve()
    if path in seen:
        return []
    seen.add(path)
    out: list[Declared] = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    for number, raw in enumerate(text.splitlines(), start=1):
        out.extend(_parse_line(raw, f"{path}:{number}", path, resolve_path, seen))
    return out


def _parse_line(
    raw: str,
    source: str,
    base: Path | None,
    resolve_path: ResolvePath,
    seen: set[Path] | None = None,
) -> list[Declared]:
    line = re.sub(r"(^|\s)#.*$", "", raw).strip()
    if not line:
        return []
    for opt in ("-r", "--requirement"):
        if line == opt or line.startswith(opt + " ") or line.startswith(opt + "="):
            ref = line[len(opt) :].lstrip(" =").strip()
            found = _locate(ref, base, resolve_path)
            return _parse_file(found, resolve_path, seen or set()) if found else []
    if line.startswith("-"):
        return []  # pip options (-e, -c, --index-url, ...) declare no package to check
    if (
        line.startswith((".", "/", "~"))
        or "://" in line.split("@")[0]
        or re.search(r"\.(whl|tar\.gz|zip)$", line)
    ):
        return []  # local paths, wheels and URLs: no distribution name to check
    name = _requirement_name(line)
    if name is None:
        return []
    return [Declared(spec=line, name=name, source=source)]


def _requirement_name(line: str) -> str | None:
    """The distribution name of a requirement line; None when its markers exclude it here."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # pragma: no cover - packaging ships with pip and setuptools
        m = _NAME.match(line)
        return m.group(1) if m else None
    try:
        req = Requirement(line)
    except InvalidRequirement:
        m = _NAME.match(line)
        return m.group(1) if m else None
    if req.marker is not None and not req.marker.evaluate():
        return None
    return req.name


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
