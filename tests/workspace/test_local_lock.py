"""The local deployment lock: atomic creation, holder in the message, stale and forced breaks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_stacks.errors import LockError
from mlops_stacks.workspace.local import LocalWorkspace


def _ws(tmp_path: Path) -> LocalWorkspace:
    return LocalWorkspace(tmp_path, "local", bundle_name="b")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_file_names_holder_and_second_acquire_fails(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    result = ws.acquire_lock()
    data = json.loads(ws.lock_file.read_text())
    assert data["pid"] == os.getpid() and data["host"] == socket.gethostname()
    assert data["holder"] == f"{data['user']}@{data['host']}"
    assert data["since"] == result.lock.since
    with pytest.raises(LockError) as err:
        ws.acquire_lock()
    assert f"locked by {result.lock.holder} since {result.lock.since}" in str(err.value)
    assert "--force-lock" in str(err.value)
    ws.release_lock(result.lock)
    assert not ws.lock_file.exists()
    assert ws.read_lock() is None


def test_stale_lock_is_broken_with_a_note(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    ws.dir.mkdir(parents=True)
    stale = {"user": "ann", "host": socket.gethostname(), "pid": _dead_pid(),
             "since": "2020-01-01T00:00:00+00:00", "token": "t"}
    ws.lock_file.write_text(json.dumps(stale))
    result = ws.acquire_lock()
    assert result.reason == "stale" and result.broken is not None
    assert result.broken.user == "ann"
    assert ws.read_lock() == result.lock


def test_lock_of_live_or_remote_process_needs_force(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    ws.dir.mkdir(parents=True)
    remote = {"user": "bob", "host": "some-other-host", "pid": _dead_pid(),
              "since": "2020-01-01T00:00:00+00:00", "token": "theirs"}
    ws.lock_file.write_text(json.dumps(remote))
    with pytest.raises(LockError, match="bob@some-other-host"):
        ws.acquire_lock()
    forced = ws.acquire_lock(force=True)
    assert forced.reason == "forced" and forced.broken.host == "some-other-host"


def test_release_never_removes_someone_elses_lock(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    first = ws.acquire_lock()
    second = ws.acquire_lock(force=True)
    ws.release_lock(first.lock)  # the first holder finishing late
    assert ws.read_lock() == second.lock
    ws.release_lock(second.lock)
    assert ws.read_lock() is None


def test_garbled_lock_is_reported(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    ws.dir.mkdir(parents=True)
    ws.lock_file.write_text("")
    with pytest.raises(LockError, match="deploy.lock is damaged: it is empty"):
        ws.acquire_lock()
    assert ws.acquire_lock(force=True).lock.pid == os.getpid()
