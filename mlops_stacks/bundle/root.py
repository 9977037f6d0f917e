"""Finding the bundle: the directory that holds ``databricks.yml``.

Order: an explicit ``root`` argument, then ``MLOPS_STACKS_BUNDLE_ROOT``, then
walking up from the working directory. When nothing is found walking up but
exactly one immediate subdirectory of the working directory holds a bundle
(``mlops-stacks init OUT && cd OUT`` puts the bundle in ``OUT/<package>/``),
that one is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mlops_stacks.errors import ConfigError

ROOT_FILE_NAMES = ("databricks.yml", "databricks.yaml")
ROOT_ENV = "MLOPS_STACKS_BUNDLE_ROOT"


def root_file_in(directory: Path) -> Path | None:
    """The bundle file in ``directory``; both spellings present is an error."""
    found = [directory / n for n in ROOT_FILE_NAMES if (directory / n).is_file()]
    if len(found) > 1:
        raise ConfigError(
            f"{directory} has both databricks.yml and databricks.yaml",
            hint="Keep one bundle file per directory: delete or rename the other.",
        )
    return found[0] if found else None


def _explicit(path: Path, source: str) -> Path:
    if path.is_file():
        return path.resolve().parent
    if not path.is_dir():
        raise ConfigError(
            f"bundle root {path} ({source}) does not exist",
            hint="Point it at the directory that holds databricks.yml.",
        )
    if root_file_in(path) is None:
        raise ConfigError(
            f"no databricks.yml in {path} ({source})",
            hint="Point it at the directory that holds databricks.yml.",
        )
    return path.resolve()


def find_bundle_root(
    root: str | os.PathLike[str] | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """The bundle root directory; ``ConfigError`` saying where we looked if none."""
    env = os.environ if env is None else env
    if root is not None:
        return _explicit(Path(root), "the root argument")
    if env.get(ROOT_ENV):
        return _explicit(Path(env[ROOT_ENV]), f"from {ROOT_ENV}")
    start = Path(cwd if cwd is not None else os.getcwd()).resolve()
    for directory in (start, *start.parents):
        if root_file_in(directory) is not None:
            return directory
    candidates = []
    try:
        children = sorted(p for p in start.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        children = []
    for child in children:
        if root_file_in(child) is not None:
            candidates.append(child)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        names = ", ".join(c.name for c in candidates)
        raise ConfigError(
            f"several bundles below {start}: {names}",
            hint=f"cd into one of them, or pass its directory with {ROOT_ENV}=<dir>.",
        )
    raise ConfigError(
        f"no databricks.yml found in {start}, its parent directories or its subdirectories",
        hint="Run the command inside a bundle (the directory with databricks.yml), "
        f"set {ROOT_ENV}=<dir>, or create a project with `mlops-stacks init`.",
    )
