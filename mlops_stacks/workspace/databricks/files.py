"""The synced copy of the bundle root under ``workspace.file_path``.

Notebooks (source files whose first line is the Databricks notebook header)
are imported as notebooks in SOURCE format, without their extension, exactly
where job tasks expect them (``<file_path>/training/notebooks/Train``). Every
other file is imported as a workspace file (format AUTO) under its own name.

The workspace has no content hashes, so a manifest of what was uploaded
(relative path -> sha256, size, remote path) lives next to the deployment state
(``<state_path>/sync-manifest.json``). ``list_files`` reads it; uploads and
deletes update it in memory and ``flush`` writes it. A manifest that lags behind
(a crash before ``flush``) only causes re-uploads, never a missed change.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import threading
from pathlib import Path

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonObject, JsonValue
from mlops_stacks.workspace.databricks.auth import Connection
from mlops_stacks.workspace.databricks.errors import ConflictError, NotFoundError
from mlops_stacks.workspace.protocol import FileInfo

MANIFEST_NAME = "sync-manifest.json"

#: Notebook source headers by file extension, and the notebook language.
NOTEBOOK_HEADERS: dict[str, tuple[bytes, str]] = {
    ".py": (b"# Databricks notebook source", "PYTHON"),
    ".sql": (b"-- Databricks notebook source", "SQL"),
    ".scala": (b"// Databricks notebook source", "SCALA"),
    ".r": (b"# Databricks notebook source", "R"),
}

#: The workspace import API refuses content over 10 MB.
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def notebook_language(rel_path: str, content: bytes) -> str | None:
    """The notebook language when ``content`` is a Databricks source notebook, else None."""
    ext = posixpath.splitext(rel_path)[1].lower()
    header = NOTEBOOK_HEADERS.get(ext)
    if header is None:
        return None
    first_line = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r").rstrip()
    return header[1] if first_line == header[0] else None


def remote_path(file_path: str, rel_path: str, is_notebook: bool) -> str:
    """Where ``rel_path`` lives in the workspace (notebooks lose their extension)."""
    rel = rel_path.lstrip("/")
    if is_notebook:
        rel = posixpath.splitext(rel)[0]
    return posixpath.join(file_path.rstrip("/"), rel)


class FileSync:
    """Upload, delete and list the synced files of one target."""

    def __init__(self, conn: Connection, file_path: str, state_path: str) -> None:
        self.conn = conn
        self.file_path = file_path.rstrip("/")
        self.state_path = state_path.rstrip("/")
        self._manifest: dict[str, JsonObject] | None = None
        self._dirty = False
        self._made_dirs: set[str] = set()
        self._lock = threading.RLock()  # deploys upload several files at once
        self._dirs_lock = threading.Lock()  # not held while the manifest is read

    @property
    def manifest_path(self) -> str:
        return f"{self.state_path}/{MANIFEST_NAME}"

    # -- manifest ---------------------------------------------------------------
    def _load(self) -> dict[str, JsonObject]:
        with self._lock:
            return self._load_once()

    def _load_once(self) -> dict[str, JsonObject]:
        if self._manifest is None:
            self._manifest = {}
            try:
                data = self.conn.call(
                    "GET",
                    "/api/2.0/workspace/export",
                    query={"path": self.manifest_path, "format": "AUTO"},
                    what=f"read the sync manifest {self.manifest_path}",
                )
            except NotFoundError:
                return self._manifest
            try:
                doc = json.loads(base64.b64decode(data.text("content")))
                files = doc.get("files", {})
                if isinstance(files, dict):
                    self._manifest = {
                        str(k): dict(v) for k, v in files.items() if _usable_entry(v)
                    }
            except (ValueError, TypeError, AttributeError, RecursionError, WorkspaceError):
                # An unreadable manifest only means we re-upload everything.
                self._manifest = {}
        return self._manifest

    def flush(self) -> None:
        """Write the manifest if uploads or deletes changed it."""
        with self._lock:
            if not self._dirty or self._manifest is None:
                return
            doc = {"version": 1, "file_path": self.file_path, "files": self._manifest}
            text = json.dumps(doc, indent=1, sort_keys=True)
            self._dirty = False
        self.write_text(self.manifest_path, text)

    # -- low-level helpers --------------------------------------------------------
    def mkdirs(self, path: str) -> None:
        if path in self._made_dirs:
            return
        self.conn.call(
            "POST", "/api/2.0/workspace/mkdirs", body={"path": path}, what=f"create folder {path}"
        )
        parts = path.rstrip("/").split("/")
        with self._dirs_lock:
            self._made_dirs.update("/".join(parts[:i]) for i in range(2, len(parts) + 1))

    def make_folder(self, rel_folder: str) -> None:
        """Create the synced folder ``rel_folder`` (``""``: the root) and its parents, so the
        uploads into it go straight in. Several may run at once: ``mkdirs`` of a folder that
        exists, or that another call is creating, succeeds."""
        self.mkdirs(posixpath.join(self.file_path, rel_folder) if rel_folder else self.file_path)

    def remove_folder(self, rel_folder: str) -> None:
        """Delete the synced folder ``rel_folder`` unless it holds something (someone put a
        file there in the workspace): ``workspace/delete`` without ``recursive`` refuses a
        folder that is not empty (DIRECTORY_NOT_EMPTY), and that is fine."""
        path = posixpath.join(self.file_path, rel_folder)
        try:
            self.delete_path(path)
        except WorkspaceError as err:
            if "DIRECTORY_NOT_EMPTY" not in err.message:
                raise
        with self._dirs_lock:
            self._made_dirs = {d for d in self._made_dirs
                               if d != path and not d.startswith(path + "/")}

    def write_text(self, path: str, text: str, *, overwrite: bool = True) -> None:
        """Import ``text`` as a workspace file at ``path`` (parent folders created)."""
        body = {
            "path": path,
            "format": "AUTO",
            "overwrite": overwrite,
            "content": base64.b64encode(text.encode("utf-8")).decode("ascii"),
        }
        # Without overwrite, a repeat of an applied import is refused (409): safe to retry;
        # the caller tells its own file from another's (the lock carries a token).
        self.import_object(body, what=f"write {path}")

    def import_object(self, body: JsonObject, *, what: str) -> None:
        """Import one object; its parent folder is created only when the import says it is missing.

        Trying first keeps a redeploy into existing folders free of extra writes.
        """
        path = str(body["path"])
        parent = posixpath.dirname(path)
        if parent not in self._made_dirs:
            try:
                self.conn.call(
                    "POST", "/api/2.0/workspace/import", body=body, what=what
                )
                with self._dirs_lock:
                    self._made_dirs.add(parent)
                return
            except NotFoundError:
                self.mkdirs(parent)
        self.conn.call(
            "POST", "/api/2.0/workspace/import", body=body, what=what
        )

    def read_text(self, path: str) -> str | None:
        """The text of a workspace file, or None when it does not exist."""
        try:
            data = self.conn.call(
                "GET",
                "/api/2.0/workspace/export",
                query={"path": path, "format": "AUTO"},
                what=f"read {path}",
            )
        except NotFoundError:
            return None
        try:
            return base64.b64decode(data.text("content")).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as err:
            raise WorkspaceError(
                f"{path} on {self.conn.host} is not readable text ({err}).",
                hint="Delete it in the workspace UI if it was edited by hand.",
            ) from None

    def delete_path(self, path: str, *, recursive: bool = False) -> bool:
        """Delete a workspace object; False when it was already gone."""
        try:
            self.conn.call(
                "POST",
                "/api/2.0/workspace/delete",
                body={"path": path, "recursive": recursive},
                what=f"delete {path}",
            )
        except NotFoundError:
            return False
        return True

    # -- protocol operations ------------------------------------------------------
    def list(self) -> dict[str, FileInfo]:
        return {
            rel: FileInfo(
                path=rel, sha256=str(entry.get("sha256", "")), size=int(entry.get("size", 0))
            )
            for rel, entry in sorted(self._load().items())
        }

    def upload(self, rel_path: str, source: Path) -> None:
        manifest = self._load()
        content = Path(source).read_bytes()
        if len(content) > MAX_IMPORT_BYTES:
            raise WorkspaceError(
                f"{rel_path} is {len(content) // (1024 * 1024)} MB; the workspace import API "
                "takes at most 10 MB per file.",
                hint="Exclude it from sync (sync.exclude in databricks.yml) or store it in a "
                "Unity Catalog volume.",
            )
        language = notebook_language(rel_path, content)
        target = remote_path(self.file_path, rel_path, language is not None)
        previous = manifest.get(rel_path)
        if previous and previous.get("remote") and previous["remote"] != target:
            # It switched between notebook and file: the old object has another name.
            self.delete_path(str(previous["remote"]))
        body: JsonObject = {
            "path": target,
            "overwrite": True,
            "content": base64.b64encode(content).decode("ascii"),
        }
        if language:
            body.update(format="SOURCE", language=language)
        else:
            body.update(format="AUTO")
        try:
            self.import_object(body, what=f"upload {rel_path}")
        except (ConflictError, WorkspaceError) as err:
            if not isinstance(err, ConflictError) and "Cannot overwrite" not in err.message:
                raise
            # An object of the other kind sits there (e.g. a file where a notebook goes).
            self.delete_path(target)
            self.import_object(body, what=f"upload {rel_path}")
        with self._lock:
            manifest[rel_path] = {
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
                "remote": target,
                "type": "NOTEBOOK" if language else "FILE",
            }
            self._dirty = True

    def delete(self, rel_path: str) -> None:
        manifest = self._load()
        entry = manifest.get(rel_path)
        if entry and entry.get("remote"):
            self.delete_path(str(entry["remote"]))
        else:
            # Not in the manifest: try both shapes it could have been uploaded as.
            self.delete_path(remote_path(self.file_path, rel_path, False))
            if posixpath.splitext(rel_path)[1].lower() in NOTEBOOK_HEADERS:
                self.delete_path(remote_path(self.file_path, rel_path, True))
        with self._lock:
            if rel_path in manifest:
                del manifest[rel_path]
                self._dirty = True

    def delete_all(self) -> None:
        self.delete_path(self.file_path, recursive=True)
        self.forget()
        self.delete_path(self.manifest_path)

    def forget(self) -> None:
        """Know of no synced file nor folder any more: they were deleted."""
        with self._lock, self._dirs_lock:
            self._manifest = {}
            self._made_dirs.clear()
            self._dirty = False


def _usable_entry(entry: JsonValue) -> bool:
    """A manifest entry as ``upload`` writes it (anything else is re-uploaded)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("size"), int)
        and not isinstance(entry.get("size"), bool)
        and isinstance(entry.get("remote", ""), str)
    )
