"""LoadGitDetails: fill ``bundle.git`` from the git checkout that holds the bundle.

Reads: the ``.git`` folder (or worktree ``.git`` file) at or above the bundle
root. Changes: ``bundle.git.branch``, ``commit`` and ``origin_url`` unless the
configuration sets them; ``actual_branch`` (the checked-out branch) and
``bundle_root_path`` (the bundle root relative to the checkout) always.
Outside a checkout every field is ``""`` (and ``bundle_root_path`` is ``.``),
as the Databricks CLI leaves them, so ``${bundle.git.origin_url}`` in a job
tag always resolves. No diagnostics: a checkout git cannot read is treated as
no checkout.

The files are read directly (HEAD, refs, packed-refs, config): starting git
or GitPython for three strings would cost more than loading a bundle.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import GENERATED, Node
from mlops_stacks.diagnostics import Diagnostics


@dataclass
class GitInfo:
    branch: str = ""
    commit: str = ""
    origin_url: str = ""
    worktree_root: Path | None = None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _git_dirs(start: Path) -> tuple[Path, Path, Path] | None:
    """``(worktree root, git dir, common git dir)`` of the checkout holding ``start``."""
    for folder in (start, *start.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return folder, dot, dot
        if dot.is_file():
            text = _read(dot)
            if not text.startswith("gitdir:"):
                return None
            git_dir = (folder / text[len("gitdir:"):].strip()).resolve()
            common = _read(git_dir / "commondir")
            return folder, git_dir, (git_dir / common).resolve() if common else git_dir
    return None


def _ref(common: Path, git_dir: Path, ref: str) -> str:
    for base in (git_dir, common):
        value = _read(base / ref)
        if value:
            return value
    for line in _read(common / "packed-refs").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref:
            return parts[0]
    return ""


def _origin(common: Path) -> str:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(common / "config", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return ""
    return parser.get('remote "origin"', "url", fallback="").strip()


def read_git_info(start: Path) -> GitInfo:
    """Branch, commit and origin URL of the checkout that holds ``start`` (empty outside)."""
    found = _git_dirs(start.resolve())
    if found is None:
        return GitInfo()
    root, git_dir, common = found
    head = _read(git_dir / "HEAD")
    info = GitInfo(worktree_root=root, origin_url=_origin(common))
    if head.startswith("ref:"):
        ref = head[len("ref:"):].strip()
        info.branch = ref.removeprefix("refs/heads/")
        info.commit = _ref(common, git_dir, ref)
    else:
        info.commit = head  # detached HEAD
    return info


class LoadGitDetails:
    name = "load_git_details"

    def apply(self, ctx: Context) -> Diagnostics:
        tree = ctx.tree
        if tree is None or not tree.is_map:
            return Diagnostics()
        bundle = tree.get("bundle")
        git = bundle.get("git") if bundle is not None and bundle.is_map else None
        if bundle is None or not bundle.is_map or (git is not None and not git.is_map):
            return Diagnostics()  # the schema check reports the wrong type
        info = read_git_info(ctx.root)
        git = bundle.ensure_map("git", bundle)
        for key, value in (("branch", info.branch), ("commit", info.commit),
                           ("origin_url", info.origin_url)):
            current = git.get(key)
            if current is None or current.value in (None, ""):
                git.value[key] = Node(value, GENERATED)
        git.value["actual_branch"] = Node(info.branch, GENERATED)
        root = info.worktree_root or ctx.root
        rel = os.path.relpath(ctx.root.resolve(), Path(root).resolve())
        git.value["bundle_root_path"] = Node(rel.replace(os.sep, "/"), GENERATED)
        return Diagnostics()
