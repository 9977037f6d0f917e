"""git for scaffold/: ``run`` and ``output`` for any git command (``update`` and the
built-in releases use them too), and what ``init`` does with git: a new repository
with one commit, or a commit in an existing one.

When no git identity is configured (``user.name``/``user.email`` or the
``GIT_AUTHOR_*``/``GIT_COMMITTER_*`` variables), commits are made as
``mlops-stacks <mlops-stacks@localhost>`` so ``init`` works on fresh machines and
CI runners.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

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


def run(
    cwd: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd``; a ``GIT_DIR`` set by a calling git hook does not leak in."""
    full = {k: v for k, v in os.environ.items() if k != "GIT_DIR"}
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env={**full, **(env or {})}, capture_output=True, text=True
        )
    except FileNotFoundError:
        raise MlopsStacksError("git is not installed. Install git.") from None


def output(cwd: Path | None, *args: str, env: dict[str, str] | None = None,
           doing: str = "") -> str:
    """What ``git ARGS`` prints; a failure is an error saying what git said."""
    done = run(cwd, *args, env=env)
    if done.returncode != 0:
        raise MlopsStacksError(f"git {args[0]} failed{doing}: {_last_line(done)}")
    return done.stdout


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
    return lines[-1].removeprefix("fatal: ").strip() if lines else f"exit {done.returncode}"


def _identity_env(cwd: Path) -> dict[str, str]:
    """Environment that supplies an identity only where none is configured."""
    done = run(cwd, "config", "--get-regexp", r"^user\.(name|email)$")
    configured = {line.split(" ", 1)[0] for line in done.stdout.splitlines()}
    env: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        for field, key, fallback in (
            ("NAME", "user.name", FALLBACK_NAME),
            ("EMAIL", "user.email", FALLBACK_EMAIL),
        ):
            var = f"GIT_{role}_{field}"
            if not os.environ.get(var) and key not in configured:
                env[var] = fallback
    return env


def _commit(cwd: Path, message: str, paths: list[str] | None = None, empty: bool = False) -> str:
    # With paths, only they are committed: the user's other staged work stays staged.
    # No automatic `git maintenance` after the commit: one process less, nothing to pack yet.
    args = ["-c", "maintenance.auto=false", "-c", "gc.auto=0",
            "commit", "--no-verify", "--quiet", *(["--allow-empty"] if empty else [])]
    done = run(
        cwd, *args, "-m", message, *(["--", *paths] if paths else []), env=_identity_env(cwd)
    )
    if done.returncode != 0:
        raise MlopsStacksError(
            f"git commit failed: {_last_line(done)}. Fix your git configuration, or pass --no-git."
        )
    return run(cwd, "rev-parse", "HEAD").stdout.strip()


def init_repository(path: Path, message: str, branch: str | None = None) -> str:
    """``git init`` ``path`` (on ``branch`` if given), add everything, commit; returns the SHA."""
    for args in (
        ["init", "--quiet", *([f"--initial-branch={branch}"] if branch else []), "."],
        ["add", "--all"],
    ):
        done = run(path, *args)
        if done.returncode != 0:
            raise MlopsStacksError(
                f"git {args[0]} failed: {_last_line(done)}. Pass --no-git to skip git."
            )
    return _commit(path, message, empty=True)  # a template may render no file at all


def enclosing_repository(path: Path) -> Path | None:
    """The work tree root of the git repository that contains ``path``, if any."""
    if shutil.which("git") is None:
        return None
    done = run(path, "rev-parse", "--show-toplevel")
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def commit_paths(root: Path, paths: Iterable[Path], message: str) -> str:
    """Stage ``paths`` (inside the repository at ``root``, minus git-ignored ones), commit them."""
    rel = [str(p.resolve().relative_to(Path(root).resolve())) for p in paths]
    if rel:  # as `git add --all` would skip them
        ignored = set(run(root, "check-ignore", "--", *rel).stdout.splitlines())
        rel = [p for p in rel if p not in ignored]
    done = run(root, "add", "--", *rel)
    if done.returncode != 0:
        raise MlopsStacksError(f"git add failed: {_last_line(done)}. Pass --no-git to skip git.")
    return _commit(root, message, rel)
