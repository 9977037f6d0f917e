"""Which files of the bundle root to sync, and what changed since the last deploy.

Selection, in order:

1. Candidates: in a git repository, ``git ls-files --cached --others
   --exclude-standard`` (so every ``.gitignore``, ``.git/info/exclude`` and the
   global excludes apply, as git sees them); outside git, a walk of the bundle
   root that honours ``.gitignore`` files (gitignore semantics via ``pathspec``).
2. ``sync.include`` patterns (gitignore-style, relative to the bundle root) add
   files even when they are git-ignored.
3. ``sync.exclude`` patterns remove files.
   ``sync.paths`` (relative to ``root``, which is then the bundle's sync root:
   the folder holding the bundle and every path) keeps only files under them.
4. Never synced, whatever the patterns say: ``.git/``, ``.mlops-stacks/``
   (the local workspace itself), ``__pycache__/`` and virtual environments
   (any folder holding a ``pyvenv.cfg``).
5. Symbolic links are followed only when they lead to a file inside the
   bundle root (or a ``sync.paths`` entry); a link leading elsewhere
   (``leak.txt -> /etc/passwd``) is skipped, and named in ``SyncPlan.skipped``
   so deploy can warn about it.

Changes are found by content hash (sha256) against the hashes recorded in the
deployment state: new or modified files are uploaded, files that disappeared
are deleted, the rest are left alone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.fileio import sha256_file
from mlops_stacks.jsontypes import JsonMapping, JsonObject

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

NEVER_SYNCED = frozenset({".git", ".mlops-stacks", "__pycache__"})


@dataclass
class SyncPlan:
    """Files to upload, delete and leave alone, with the hashes of the local files."""

    upload: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Symbolic links leading outside the bundle root: never synced."""
    changed: list[str] = field(default_factory=list)
    """The uploads that replace a deployed file (the others are new files)."""

    def summary_line(self, done: bool = False) -> str:
        if done:
            return (f"Files: {len(self.upload)} uploaded, {len(self.delete)} deleted, "
                    f"{len(self.unchanged)} unchanged")
        return (f"Files: {len(self.upload)} to upload, {len(self.delete)} to delete, "
                f"{len(self.unchanged)} unchanged")

    def new_folders(self) -> list[str]:
        """The folders (relative; ``""`` is the root) the uploads need that no deployed file
        is known to sit in, leaves only: creating a folder creates its parents.

        A folder the last deploy wrote a file into is trusted to be there (the sync
        works from its record, as it does for the files themselves).
        """
        present: set[str] = set()
        for rel in (*self.unchanged, *self.changed):
            present.update(_folders_above(rel))
        wanted = {_folders_above(rel)[-1] for rel in self.upload} - present
        inner = {above for folder in wanted for above in _folders_above(folder)}
        return sorted(wanted - inner)

    def gone_folders(self) -> list[list[str]]:
        """The folders that held deployed files and hold none once the deletions are done,
        innermost first, a list per depth (a folder empties only once the folders in it
        are gone); never the root."""
        after: set[str] = set()
        for rel in (*self.unchanged, *self.upload):
            after.update(_folders_above(rel))
        before = {above for rel in self.delete for above in _folders_above(rel)}
        gone = before - after - {""}
        depths = sorted({folder.count("/") for folder in gone}, reverse=True)
        return [sorted(f for f in gone if f.count("/") == depth) for depth in depths]

    def to_dict(self) -> JsonObject:
        return {"upload": self.upload, "delete": self.delete, "unchanged": len(self.unchanged),
                "skipped": self.skipped, "changed": self.changed}


def _folders_above(rel: str) -> list[str]:
    """The folders holding ``rel``, outermost first: ``"a/b/c"`` -> ``["", "a", "a/b"]``."""
    if not rel:
        return []
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts))]


def _spec(patterns: Iterable[str]) -> GitIgnoreSpec | None:
    lines = [str(p) for p in patterns if str(p).strip()]
    if not lines:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _git_files(root: Path) -> list[str] | None:
    """Non-ignored files under ``root`` as git sees them; ``None`` outside a git work tree."""
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"],
            cwd=root, capture_output=True, check=False,
        )
    except (OSError, ValueError):
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return sorted(set(names))


class _Walker:
    """Walks the bundle root, skipping never-synced folders and (optionally) ignored paths."""

    def __init__(self, root: Path, honour_gitignore: bool) -> None:
        self.root = root
        self.honour_gitignore = honour_gitignore

    def files(self) -> list[str]:
        out: list[str] = []
        self._walk(self.root, "", [], out)
        return sorted(out)

    def _ignored(self, rel: str, is_dir: bool, specs: list[tuple[str, GitIgnoreSpec]]) -> bool:
        ignored = False
        for base, spec in specs:
            sub = rel[len(base) + 1:] if base else rel
            result = spec.check_file(sub + ("/" if is_dir else ""))
            if result.include is not None:
                ignored = bool(result.include)
        return ignored

    def _walk(self, path: Path, rel: str, specs: list[tuple[str, GitIgnoreSpec]],
              out: list[str]) -> None:
        if self.honour_gitignore and (path / ".gitignore").is_file():
            spec = _spec((path / ".gitignore").read_text(encoding="utf-8",
                                                         errors="replace").splitlines())
            if spec is not None:
                specs = [*specs, (rel, spec)]
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            child = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name in NEVER_SYNCED or (Path(entry.path) / "pyvenv.cfg").exists():
                    continue
                if self.honour_gitignore and self._ignored(child, True, specs):
                    continue
                self._walk(Path(entry.path), child, specs, out)
            elif entry.is_file():
                if self.honour_gitignore and self._ignored(child, False, specs):
                    continue
                out.append(child)


def _never_synced(rel: str, root: Path, venv_cache: dict[str, bool]) -> bool:
    parts = rel.split("/")
    if any(p in NEVER_SYNCED for p in parts[:-1]) or parts[-1] == ".git":
        return True
    for i in range(1, len(parts)):
        folder = "/".join(parts[:i])
        if folder not in venv_cache:
            venv_cache[folder] = (root / folder / "pyvenv.cfg").is_file()
        if venv_cache[folder]:
            return True
    return False


def select_files(root: Path, sync: JsonMapping | None = None) -> list[str]:
    """Relative POSIX paths of the files to sync from ``root`` (see the module docstring)."""
    root = Path(root)
    sync = sync or {}
    candidates = _git_files(root)
    if candidates is None:
        candidates = _Walker(root, honour_gitignore=True).files()
    cache: dict[str, bool] = {}
    selected = {
        rel for rel in candidates
        if not _never_synced(rel, root, cache) and (root / rel).is_file()
    }
    paths = [str(p).strip("/") for p in sync.get("paths") or () if str(p) not in (".", "")]
    if paths and "." not in (sync.get("paths") or ()):
        selected = {r for r in selected if any(r == p or r.startswith(p + "/") for p in paths)}
    include = _spec(sync.get("include") or [])
    if include is not None:
        selected.update(r for r in _Walker(root, honour_gitignore=False).files()
                        if include.match_file(r))
    exclude = _spec(sync.get("exclude") or [])
    if exclude is not None:
        selected = {r for r in selected if not exclude.match_file(r)}
    return sorted(selected)


def skipped_warning(rel: str) -> str:
    """The warning for a symbolic link that sync does not follow."""
    return (f"Not syncing {rel}: it is a symbolic link to a file outside the bundle root "
            "(and sync.paths). "
            "Copy the file into the bundle, or remove the link.")


def plan_sync(root: Path, sync: JsonMapping | None,
              deployed: Mapping[str, str]) -> SyncPlan:
    """Hash the selected files and compare them with ``deployed`` (path -> sha256).

    Files are read through their resolved path, checked to lie inside ``root`` (or, when
    ``sync.paths`` is given, inside one of those paths).
    """
    plan = SyncPlan()
    listed = [str(p).strip("/") for p in (sync or {}).get("paths") or ()]
    allowed = ([os.path.realpath(Path(root) / p) for p in listed] if listed and "." not in listed
               else [os.path.realpath(root)])
    inside = tuple(folder.rstrip(os.sep) + os.sep for folder in allowed)
    for rel in select_files(root, sync):
        source = Path(os.path.realpath(os.path.join(root, rel)))
        if not str(source).startswith(inside) and str(source) not in allowed:
            plan.skipped.append(rel)
            continue
        digest = sha256_file(source)
        plan.hashes[rel] = digest
        plan.sources[rel] = source
        (plan.unchanged if deployed.get(rel) == digest else plan.upload).append(rel)
        if rel in deployed and deployed[rel] != digest:
            plan.changed.append(rel)
    plan.delete = sorted(set(deployed) - set(plan.hashes))
    return plan
