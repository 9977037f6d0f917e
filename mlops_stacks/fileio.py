"""File helpers shared by the runner, the workspaces and the deploy engine.

- Atomic writes, so readers never see a file half-written: a temp file beside
  the target, fsync, then ``os.replace`` (run records, deployment state, job
  records, synced files).
- ``sha256_file``: the content hash file sync compares.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from mlops_stacks.jsontypes import JsonValue

#: Names of the temp files the atomic writes below make (``.<name>.<8 random>.tmp``): one
#: left behind by a killed process is recognised, and removed, by the next deploy.
TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def is_temp_name(name: str) -> bool:
    return bool(TEMP_NAME.fullmatch(name))


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (a temp file beside it, then ``os.replace``).

    ``durable=False`` skips forcing the data to disk first: readers still see the old
    or the new content, and a process killed at any point leaves one of them; only a
    power cut may leave an empty file (for records that are rebuilt when unreadable).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, data: JsonValue, *, durable: bool = True) -> None:
    """``atomic_write_bytes`` of ``data`` as indented JSON (keys in the order given)."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def atomic_copy(source: Path, dest: Path) -> None:
    """Copy ``source`` over ``dest`` atomically, keeping the source's modification time."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copy2(source, tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
