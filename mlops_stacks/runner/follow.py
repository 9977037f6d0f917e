"""Follow a run that another process (or Databricks) executes, until it ends.

``follow_run`` polls ``get_run`` and reports each change as a ``RunEvent``
(the same events a foreground run emits), and each new line of a task's log
through ``on_log_line(task_key, line)`` where logs are local files.
``runs get --follow`` and ``run --no-wait`` followers use it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from mlops_stacks.runner.events import (
    RUN_FINISHED,
    RUN_QUEUED,
    RUN_STARTED,
    TASK_FINISHED,
    TASK_STARTED,
    EventHandler,
    RunEvent,
)
from mlops_stacks.runner.record import PENDING, QUEUED, RUNNING, RunRecord

LogHandler = Callable[[str, str], None]


class _LogTail:
    """New complete lines of one log file since the last read."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.offset = 0
        self.partial = ""

    def read(self) -> list[str]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except OSError:
            return []
        self.offset += len(chunk)
        text = self.partial + chunk.decode("utf-8", errors="replace")
        lines = text.split("\n")
        self.partial = lines.pop()
        return lines

    def rest(self) -> list[str]:
        lines = self.read()
        if self.partial:
            lines.append(self.partial)
            self.partial = ""
        return lines


def follow_run(
    get_run: Callable[[str], RunRecord],
    run_id: str,
    on_event: EventHandler,
    *,
    on_log_line: LogHandler | None = None,
    poll: float = 0.5,
    timeout: float | None = None,
) -> RunRecord:
    """Report ``run_id``'s changes until it ends (or ``timeout`` seconds pass); its last record."""
    seen: dict[str, str] = {}
    tails: dict[str, _LogTail] = {}
    started = queued = False
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        record = get_run(run_id)
        if record.state == QUEUED and not queued:
            on_event(RunEvent(RUN_QUEUED, record, state=QUEUED,
                              message=(record.error or "queued").lower()))
            queued = True
        if not started and record.state not in (PENDING, QUEUED) and not (
                record.done and record.state == "SKIPPED"):
            on_event(RunEvent(RUN_STARTED, record))
            started = True
        for key, task in record.tasks.items():
            if on_log_line is not None and task.log_path:
                tail = tails.setdefault(key, _LogTail(task.log_path))
                for line in (tail.rest() if task.state not in (PENDING, RUNNING)
                             else tail.read()):
                    on_log_line(key, line)
            if seen.get(key) != task.state and task.state != PENDING:
                kind = TASK_STARTED if task.state == RUNNING else TASK_FINISHED
                on_event(RunEvent(kind, record, key, task.state))
            seen[key] = task.state
        if record.done:
            message = (record.error or "").lower() if record.state == "SKIPPED" else None
            on_event(RunEvent(RUN_FINISHED, record, state=record.state, message=message))
            return record
        if deadline is not None and time.monotonic() > deadline:
            return record
        time.sleep(poll)


def read_log(record: RunRecord, task_key: str | None = None) -> list[tuple[str, str]]:
    """``(task key, log text)`` of one task or of every task that has a log, in task order."""
    out = []
    for key, task in record.tasks.items():
        if task_key is not None and key != task_key:
            continue
        if task.log_path and Path(task.log_path).is_file():
            out.append((key, Path(task.log_path).read_text(encoding="utf-8", errors="replace")))
    return out


def project_paths(text: str, files_dir: Path, project_root: Path) -> tuple[str, bool]:
    """``text`` with paths into the synced copy (``files_dir``) shown as the project's own
    files, where the project has that file; and whether any path was rewritten."""
    import re

    prefix = str(files_dir).rstrip("/") + "/"
    if prefix not in text:
        return text, False
    changed = False

    def swap(match: re.Match[str]) -> str:
        nonlocal changed
        mine = Path(project_root) / match.group(1)
        if not mine.is_file():
            return match.group(0)
        changed = True
        return str(mine)

    out = re.sub(re.escape(prefix) + r"([^\s\"',:()]+)", swap, text)
    return out, changed


__all__ = ["follow_run", "project_paths", "read_log"]
