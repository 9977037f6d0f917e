"""bundle.git comes from the git checkout (real repositories), "" outside one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlops_stacks.bundle.loader import load_bundle
from tests.bundle.bundle_testkit import write_files

BUNDLE = """\
bundle:
  name: demo
resources:
  jobs:
    train:
      name: train
      tags:
        origin: ${bundle.git.origin_url}
        branch: ${bundle.git.branch}
        commit: ${bundle.git.commit}
targets:
  local:
    workspace:
      host: local
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def _tags(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    bundle, diags = load_bundle(root, env={})
    assert bundle is not None, [str(d) for d in diags]
    return bundle.resources("jobs")["train"]["tags"], bundle.config["bundle"]["git"]


def test_values_come_from_the_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"project/databricks.yml": BUNDLE})
    _git(repo, "init", "-q")
    _git(repo, "remote", "add", "origin", "https://github.com/acme/project.git")
    _git(repo, "checkout", "-q", "-b", "feature/x")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    _git(repo, "pack-refs", "--all")  # the commit is read from packed-refs too
    commit = _git(repo, "rev-parse", "HEAD")
    tags, git = _tags(repo / "project")
    assert tags == {"origin": "https://github.com/acme/project.git", "branch": "feature/x",
                    "commit": commit}
    assert git["actual_branch"] == "feature/x"
    assert git["bundle_root_path"] == "project"


def test_a_worktree_and_a_detached_head(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"databricks.yml": BUNDLE})
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    commit = _git(repo, "rev-parse", "HEAD")
    _git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "wt"))
    tags, _ = _tags(tmp_path / "wt")
    assert tags == {"origin": "", "branch": "", "commit": commit}


def test_explicit_values_win_and_outside_git_everything_is_empty(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": BUNDLE})
    tags, git = _tags(tmp_path)
    assert tags == {"origin": "", "branch": "", "commit": ""}
    assert git["bundle_root_path"] == "."
    text = BUNDLE.replace("  name: demo\n", "  name: demo\n  git:\n    branch: release\n")
    write_files(tmp_path, {"databricks.yml": text})
    tags, _ = _tags(tmp_path)
    assert tags["branch"] == "release"
