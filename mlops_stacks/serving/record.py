"""Which ``mlops-stacks serve`` is serving a local target: ``<target dir>/serve.json``.

``serve`` writes the file when its server is ready and removes it when it stops.
``destroy`` reads it: a target's models are about to be deleted, so a server still
scoring with one of them is stopped (its ``serve`` command gets SIGTERM, the same as
``kill``, and stops its server as on Ctrl-C), and the user is told.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path

from mlops_stacks.fileio import atomic_write_json
from mlops_stacks.runner.record import pid_exists, process_start_time
from mlops_stacks.state_files import DamagedFile, read_json_object

RECORD = "serve.json"


@dataclass(frozen=True)
class Serving:
    pid: int
    url: str
    model: str
    version: str
    started: float | None = None
    """When process ``pid`` started (``process_start_time``): a reused pid is not it."""

    @classmethod
    def this_process(cls, url: str, model: str, version: str) -> Serving:
        return cls(os.getpid(), url, model, version, process_start_time(os.getpid()))


def record_serving(target_dir: Path, serving: Serving) -> Path:
    path = target_dir / RECORD
    atomic_write_json(path, asdict(serving))
    return path


def forget_serving(target_dir: Path, pid: int) -> None:
    """Remove the record if it is still this process's."""
    current = _read(target_dir / RECORD)
    if current is not None and current.pid == pid:
        with suppress(FileNotFoundError):
            (target_dir / RECORD).unlink()


def _read(path: Path) -> Serving | None:
    try:
        data = read_json_object(path, what="the serve record", hint="")
        started = data.get("started") if data is not None else None
        return None if data is None else Serving(
            int(data["pid"]), str(data["url"]), str(data["model"]), str(data["version"]),
            float(started) if isinstance(started, (int, float)) else None,
        )  # fmt: skip
    except (DamagedFile, KeyError, TypeError, ValueError):
        return None


def _alive(serving: Serving) -> bool:
    if not pid_exists(serving.pid):
        return False
    now = process_start_time(serving.pid)
    return serving.started is None or now is None or abs(now - serving.started) < 0.5


def stop_serving(target_dir: Path, timeout: float = 15.0) -> Serving | None:
    """Stop the ``serve`` of this target, if one is running; what it served."""
    path = target_dir / RECORD
    serving = _read(path)
    if serving is None or serving.pid == os.getpid() or not _alive(serving):
        with suppress(FileNotFoundError):
            path.unlink()
        return None
    os.kill(serving.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(serving) and path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return serving
