"""Every released version of the built-in template, rebuilt offline as a git repository.

A project generated from the built-in template records, in its
``.copier-answers.yml``::

    _src_path: mlops-stacks://builtin/mlops-stacks.git
    _commit: v0.2.0

``_src_path`` names the built-in template, never a path of the machine that
generated the project; ``_commit`` is the mlops-stacks release. To update a
project, copier needs the template as it was at ``_commit`` and as it is now.
Both come from this module, without the network:

- earlier releases ship in the package as one git bundle,
  ``templates/history/mlops-stacks.bundle`` (a few hundred kilobytes: git
  stores each release as a delta of the one before), one tag per release;
- the current release is the template folder itself. ``builtin_repository()``
  clones the bundle into the cache folder and commits the current template on
  top of it as tag ``v<version>`` (with a fixed author and date, so every
  machine builds the same commit);
- while copier runs, git rewrites ``mlops-stacks://builtin/mlops-stacks.git``
  to that repository (``url.<repo>.insteadOf``, set through ``GIT_CONFIG_*``
  environment variables for this process only).

A bare ``copier update`` works the same way once git is told where the
template lives, e.g. after ``mlops-stacks template export DIR``::

    git config --global url.DIR.insteadOf mlops-stacks://builtin/mlops-stacks.git

Releasing a new version: ``python -m mlops_stacks.scaffold.releases record``
adds the current template to the bundle under its version tag (run it once,
right before the version number changes).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mlops_stacks import __version__
from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.scaffold.gitrepo import output
from mlops_stacks.templates import builtin_template, templates_dir

BUILTIN_URL = "mlops-stacks://builtin/mlops-stacks.git"
_FIXED_ENV = {
    "GIT_AUTHOR_NAME": "mlops-stacks",
    "GIT_AUTHOR_EMAIL": "mlops-stacks@localhost",
    "GIT_COMMITTER_NAME": "mlops-stacks",
    "GIT_COMMITTER_EMAIL": "mlops-stacks@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}
# Tool caches that may sit in a source checkout's template folder.
_NOT_TEMPLATE = ("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".mypy_cache")


def version_tag(version: str = __version__) -> str:
    return f"v{version}"


def history_bundle() -> Path:
    return templates_dir() / "history" / "mlops-stacks.bundle"


def _git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    fixed = {**_FIXED_ENV, **(env or {})}
    return output(cwd, *args, env=fixed, doing=" while preparing the built-in template").strip()


def _template_files(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(Path(part).match(name) for part in rel.parts for name in _NOT_TEMPLATE):
            continue
        if path.is_file() or path.is_symlink():
            out.append(rel)
    return out


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    bundle = history_bundle()
    if bundle.is_file():
        digest.update(bundle.read_bytes())
    for rel in _template_files(folder):
        digest.update(str(rel).encode() + b"\0" + (folder / rel).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _commit_folder(repo: Path, folder: Path, tag: str) -> None:
    """Commit the template ``folder`` on top of the newest tag in ``repo`` as ``tag``."""
    index = repo / ".git" / "mlops-stacks-index"
    env = {"GIT_INDEX_FILE": str(index)}
    files = [str(rel) for rel in _template_files(folder)]
    git_dir = f"--git-dir={repo / '.git'}"
    _git(git_dir, f"--work-tree={folder}", "add", "--force", "--", *files, env=env)
    tree = _git(git_dir, "write-tree", env=env)
    index.unlink(missing_ok=True)
    tags = _git(git_dir, "tag", "--list", "--sort=-v:refname").splitlines()
    if tag in tags:
        raise MlopsStacksError(
            f"{history_bundle()} already has {tag}; a released version cannot change.",
            hint="Raise the version in mlops_stacks/__init__.py before changing the template.",
        )
    parent = ["-p", tags[0]] if tags else []
    commit = _git(git_dir, "commit-tree", tree, *parent, "-m", f"mlops-stacks template {tag}")
    _git(git_dir, "tag", tag, commit)
    _git(git_dir, "update-ref", "HEAD", commit)


def _build(dest: Path, folder: Path, tag: str) -> None:
    bundle = history_bundle()
    if bundle.is_file():
        _git("clone", "--quiet", "--no-checkout", str(bundle), str(dest))
        _git("fetch", "--quiet", "--tags", str(bundle), cwd=dest)
    else:
        dest.mkdir(parents=True)
        _git("init", "--quiet", str(dest))
    _commit_folder(dest, folder, tag)
    _git("reset", "--quiet", "--hard", tag, cwd=dest)


def builtin_repository() -> Path:
    """A git repository with every release of the built-in template (built once, cached)."""
    from mlops_stacks.cache import cache_dir

    folder = builtin_template()
    root = cache_dir() / "template-releases"
    dest = root / f"{version_tag()}-{_fingerprint(folder)}"
    if (dest / ".git").is_dir():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        _build(staging / "repo", folder, version_tag())
        try:
            os.replace(staging / "repo", dest)
        except OSError:
            if not (dest / ".git").is_dir():  # another process may have built it first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def release_tags() -> list[str]:
    """Tags of every built-in release, oldest first."""
    out = _git("tag", "--list", "--sort=v:refname", cwd=builtin_repository())
    return out.splitlines()


@contextlib.contextmanager
def builtin_url_mapping() -> Iterator[Path]:
    """While active, git (and so copier) finds ``BUILTIN_URL`` in ``builtin_repository()``."""
    repo = builtin_repository()
    count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    added = {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"url.{repo.as_posix()}.insteadOf",
        f"GIT_CONFIG_VALUE_{count}": BUILTIN_URL,
    }
    saved = {key: os.environ.get(key) for key in added}
    os.environ.update(added)
    try:
        # copier runs git through plumbum, which keeps its own copy of the environment.
        from plumbum import local

        with local.env(**added):
            yield repo
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def record_release() -> Path:
    """Add the current template to the history bundle as ``v<version>`` (for releases)."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        _build(repo, builtin_template(), version_tag())
        bundle = history_bundle()
        bundle.parent.mkdir(parents=True, exist_ok=True)
        new = bundle.with_suffix(".new")
        _git("bundle", "create", str(new), "HEAD", "--tags", cwd=repo)
        os.replace(new, bundle)
    return bundle


if __name__ == "__main__":  # pragma: no cover - a maintainer's release step
    import sys

    if sys.argv[1:] != ["record"]:
        sys.exit("usage: python -m mlops_stacks.scaffold.releases record")
    print(f"recorded {version_tag()} in {record_release()}")
