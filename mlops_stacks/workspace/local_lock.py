"""The local workspace's deployment lock: one JSON file created with O_CREAT|O_EXCL.

``deploy.lock`` holds ``{"holder": "user@host", "user", "host", "pid", "since", "token"}``.
Creating it with ``O_EXCL`` is atomic, so of two deploys started at once exactly
one gets it. A lock whose process is gone (same host, dead pid) is broken
automatically; ``force=True`` breaks any lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
from pathlib import Path

from mlops_stacks.errors import LockError
from mlops_stacks.state_files import DamagedFile, read_json_object
from mlops_stacks.workspace.protocol import LockInfo, LockResult


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def read_lock(path: Path) -> LockInfo | None:
    """The lock's holder; ``None`` when unlocked. A garbled lock file raises ``LockError``."""
    hint = "If no deploy is running, break it with --force-lock."
    try:
        data = read_json_object(path, what="the deployment lock", hint=hint)
        return None if data is None else LockInfo.from_dict(data)
    except DamagedFile as exc:
        raise LockError(exc.message, hint=hint) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise LockError(
            f"The deployment lock {path} exists but cannot be read ({exc}).", hint=hint
        ) from None


def _try_create(path: Path, info: LockInfo) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(info.to_dict(), fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def acquire(path: Path, *, force: bool = False, target: str = "") -> LockResult:
    """Take the lock at ``path`` or raise ``LockError`` naming who holds it and since when."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = LockInfo.for_this_process(secrets.token_hex(8))
    broken: LockInfo | None = None
    reason = ""
    for _ in range(3):
        if _try_create(path, mine):
            return LockResult(mine, broken, reason)
        try:
            held = read_lock(path)
        except LockError:
            if not force:
                raise
            held = None
        if held is None and not path.exists():
            continue  # released between our attempts: try again
        stale = held is not None and held.host == socket.gethostname() and not _pid_alive(
            held.pid
        )
        if not (force or stale):
            assert held is not None
            what = f"target '{target}'" if target else "this target"
            raise LockError(
                f"Deployment of {what} is locked by {held.holder} since {held.since}.",
                hint="Wait for that deploy to finish. If it is no longer running, "
                "re-run with --force-lock to break the lock.",
            )
        broken, reason = held, ("forced" if force else "stale")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    raise LockError(
        f"Could not take the deployment lock {path}: another deploy keeps taking it.",
        hint="Wait for the other deploys to finish and try again.",
    )


def release(path: Path, lock: LockInfo) -> None:
    """Remove the lock file if it still holds ``lock`` (never someone else's lock)."""
    try:
        held = read_lock(path)
    except LockError:
        return
    if held is not None and held.token == lock.token:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
