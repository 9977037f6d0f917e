"""The git side of ``init``: a new repository with one commit, or a commit in an existing one.

Uses GitPython over the ``git`` program. When no git identity is configured
(``user.name``/``user.email`` or the ``GIT_AUTHOR_*`` variables), commits are
made as ``mlops-stacks <mlops-stacks@localhost>`` so ``init`` works on fresh
machines and CI runners.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError

FALLBACK_NAME = "mlops-stacks"
FALLBACK_EMAIL = "mlops-stacks@localhost"


def require_git() -> None:
    """Refuse early (before anything is written) when the git program is missing."""
    if shutil.which("git") is None:
        raise MlopsStacksError(
            "git is not installed, so the new project cannot be made a git repository. "
            "Install git, or pass --no-git."
        )


def _identity_env(repo: Any) -> dict[str, str]:
    """Environment that supplies an identity only where none is configured."""
    reader = repo.config_reader()
    env: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        for field, key, fallback in (
            ("NAME", "name", FALLBACK_NAME),
            ("EMAIL", "email", FALLBACK_EMAIL),
        ):
            var = f"GIT_{role}_{field}"
            if os.environ.get(var) or reader.get_value("user", key, default=""):
                continue
            env[var] = fallback
    return env


def _commit(repo: Any, message: str, paths: list[str] | None = None, empty: bool = False) -> str:
    from git import GitCommandError

    try:
        with repo.git.custom_environment(**_identity_env(repo)):
            # With paths, only they are committed: the user's other staged work stays staged.
            repo.git.commit(
                "--no-verify",
                "--quiet",
                *(["--allow-empty"] if empty else []),
                "-m",
                message,
                *(["--", *paths] if paths else []),
            )
    except GitCommandError as exc:
        detail = (exc.stderr or str(exc)).strip().splitlines()
        raise MlopsStacksError(
            f"git commit failed: {detail[-1] if detail else exc}. "
            "Fix your git configuration, or pass --no-git."
        ) from None
    return str(repo.head.commit.hexsha)


def init_repository(path: Path, message: str, branch: str | None = None) -> str:
    """``git init`` ``path`` (on ``branch`` if given), add everything, commit; returns the SHA."""
    from git import GitCommandError, Repo

    try:
        repo = Repo.init(path, initial_branch=branch) if branch else Repo.init(path)
        repo.git.add("--all")
    except GitCommandError as exc:
        raise MlopsStacksError(
            f"git init failed: {(exc.stderr or str(exc)).strip()}. Pass --no-git to skip git."
        ) from None
    return _commit(repo, message, empty=True)  # a template may render no file at all


def enclosing_repository(path: Path) -> Path | None:
    """The work tree root of the git repository that contains ``path``, if any."""
    if shutil.which("git") is None:
        return None
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        repo = Repo(path, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None
    return Path(repo.working_tree_dir) if repo.working_tree_dir else None


def commit_paths(root: Path, paths: Iterable[Path], message: str) -> str:
    """Stage ``paths`` (inside the repository at ``root``, minus git-ignored ones), commit them."""
    from git import Repo

    repo = Repo(root)
    rel = [str(p.resolve().relative_to(Path(root).resolve())) for p in paths]
    ignored = set(repo.ignored(*rel)) if rel else set()  # as `git add --all` would skip them
    rel = [p for p in rel if p not in ignored]
    repo.git.add("--", *rel)
    return _commit(repo, message, rel)
