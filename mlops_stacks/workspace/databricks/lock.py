"""The deployment lock of a target: ``<state_path>/deploy.lock`` in the workspace.

Acquiring imports the lock file *without* overwrite, so of two deploys racing
the workspace lets exactly one win; the other reads the holder and fails with
``LockError``. Remote processes cannot be checked for liveness, so a lock is
only broken on request (``force``), unless the holder ran on this machine and
its process is gone (``stale``). Release deletes the file only if it still
carries our random token.
"""

from __future__ import annotations

import json
import secrets
import socket
from dataclasses import replace

from mlops_stacks.errors import LockError
from mlops_stacks.workspace.databricks.errors import ConflictError
from mlops_stacks.workspace.databricks.files import FileSync
from mlops_stacks.workspace.databricks.http import printable
from mlops_stacks.workspace.local_lock import _pid_alive
from mlops_stacks.workspace.protocol import LockInfo, LockResult

LOCK_NAME = "deploy.lock"


class RemoteLock:
    def __init__(self, files: FileSync, state_path: str, target: str = "") -> None:
        self.files = files
        self.path = f"{state_path.rstrip('/')}/{LOCK_NAME}"
        self.target = target

    def read(self) -> LockInfo | None:
        text = self.files.read_text(self.path)
        if text is None:
            return None
        try:
            held = LockInfo.from_dict(json.loads(text))
        except (ValueError, TypeError, AttributeError, RecursionError):
            return LockInfo(user="?", host="?", pid=0, since="?", token="")
        # The file is the workspace's text: escape what gets printed (lock notes, errors).
        return replace(
            held, user=printable(held.user)[:100], host=printable(held.host)[:100],
            since=printable(held.since)[:40],
        )  # fmt: skip

    def acquire(self, *, force: bool = False) -> LockResult:
        mine = LockInfo.for_this_process(secrets.token_hex(8))
        text = json.dumps(mine.to_dict())
        try:
            self.files.write_text(self.path, text, overwrite=False)
            return LockResult(lock=mine)
        except ConflictError:
            pass
        holder = self.read()
        if holder is not None and holder.token == mine.token:
            # Our own import, applied before its answer was lost and then repeated.
            return LockResult(lock=mine)
        if holder is not None and not force and _stale(holder):
            # Taken by a process of this machine that is gone (killed, or stopped by the
            # HTTP deadline before it could release): break it, as the local lock does.
            self.files.write_text(self.path, text, overwrite=True)
            return LockResult(lock=mine, broken=holder, reason="stale")
        if not force:
            who = holder.holder if holder else "another deploy"
            since = holder.since if holder else "?"
            raise LockError(
                f"Target '{self.target}' on {self.files.conn.host} is locked by {who} "
                f"since {since} ({self.path}).",
                hint="Wait for that deploy to finish. If it died, break the lock with "
                "--force-lock.",
            )
        self.files.write_text(self.path, text, overwrite=True)
        return LockResult(lock=mine, broken=holder, reason="forced")

    def release(self, lock: LockInfo) -> None:
        current = self.read()
        if current is None or (lock.token and current.token != lock.token):
            return
        self.files.delete_path(self.path)


def _stale(holder: LockInfo) -> bool:
    return holder.host == socket.gethostname() and holder.pid > 0 and not _pid_alive(holder.pid)
