"""Run records: what happened in a job run, persisted as JSON after every change.

A run lives in ``runs_dir/<run_id>/``::

    run.json              the RunRecord (written atomically: temp file + rename)
    tasks/<key>.log       stdout + stderr of the task's process
    tasks/<key>.spec.json what the task process was asked to do
    tasks/<key>.out.json  what the task process reported (task values, exit value, error)

``list_runs`` and ``load_run`` read records back for ``runs``/``run --no-wait`` views.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from mlops_stacks.errors import RunError
from mlops_stacks.fileio import atomic_write_json as write_json_atomic

# Task states. PENDING -> RUNNING -> SUCCESS | FAILED; tasks that never run end
# SKIPPED (an upstream task failed or run_if was not met), EXCLUDED (not selected
# with --only, or on the branch a condition task did not take) or CANCELED.
PENDING = "PENDING"
RUNNING = "RUNNING"
SUCCESS = "SUCCESS"
FAILED = "FAILED"
SKIPPED = "SKIPPED"
CANCELED = "CANCELED"
EXCLUDED = "EXCLUDED"
# A run (not a task) waits QUEUED for a slot under max_concurrent_runs with a queue,
# and ends SKIPPED when the limit is reached without one (see ``admission``).
QUEUED = "QUEUED"

TASK_STATES = (PENDING, RUNNING, SUCCESS, FAILED, SKIPPED, CANCELED, EXCLUDED)
RUN_STATES = (PENDING, QUEUED, RUNNING, SUCCESS, FAILED, CANCELED, SKIPPED)
TERMINAL_STATES = frozenset({SUCCESS, FAILED, SKIPPED, CANCELED, EXCLUDED})

RUN_FILE = "run.json"
LOG_TAIL_LINES = 30


def new_run_id() -> str:
    """A run id that sorts by start time and does not collide: ``20250101-120000-1a2b3c``."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class _Timed:
    """``duration`` of a record with ``start_time``/``end_time`` (still running: until now)."""

    start_time: float | None
    end_time: float | None

    @property
    def duration(self) -> float | None:
        if self.start_time is None:
            return None
        return (self.end_time or time.time()) - self.start_time


@dataclass
class TaskRecord(_Timed):
    """One task of a run."""

    key: str
    kind: str
    state: str = PENDING
    start_time: float | None = None
    end_time: float | None = None
    log_path: str | None = None
    result: Any = None  # dbutils.notebook.exit value, or "true"/"false" for a condition task
    values: dict[str, Any] = field(default_factory=dict)  # task values it set
    error: str | None = None  # one-line summary of why it failed / was skipped
    log_tail: list[str] = field(default_factory=list)  # last lines of the log when it failed
    attempts: int = 0
    child_run_id: str | None = None  # run_job_task: the run it started


@dataclass
class RunRecord(_Timed):
    """One run of a job: its state and the state of each task."""

    run_id: str
    job_key: str
    state: str = PENDING
    start_time: float | None = None
    end_time: float | None = None
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # effective job parameters
    error: str | None = None
    pid: int | None = None  # process running the run (lets a viewer spot a dead runner)
    parent_run_id: str | None = None
    run_dir: str | None = None
    queue_time: float | None = None  # when it was queued behind max_concurrent_runs

    @property
    def done(self) -> bool:
        return self.state in (SUCCESS, FAILED, CANCELED, SKIPPED)

    def failed_tasks(self) -> list[TaskRecord]:
        return [t for t in self.tasks.values() if t.state == FAILED]

    def to_dict(self) -> dict[str, Any]:
        from mlops_stacks.secrets import process_secrets

        data = asdict(self)
        data["params"] = process_secrets().mask(data["params"])  # secrets never recorded
        data["tasks"] = [asdict(t) for t in self.tasks.values()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        task_names = {f.name for f in fields(TaskRecord)}
        run_names = {f.name for f in fields(cls)}
        tasks = {}
        for t in data.get("tasks", []):
            rec = TaskRecord(**{k: v for k, v in t.items() if k in task_names})
            tasks[rec.key] = rec
        kwargs = {k: v for k, v in data.items() if k in run_names and k != "tasks"}
        return cls(tasks=tasks, **kwargs)

    def save(self, runs_dir: Path) -> Path:
        """Write ``run.json`` atomically, so readers never see half a record."""
        run_dir = Path(runs_dir) / self.run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        target = run_dir / RUN_FILE
        write_json_atomic(target, self.to_dict())
        return target


def read_log_tail(path: Path | str | None, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last ``lines`` lines of a log file (empty when there is none)."""
    if not path:
        return []
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def load_run(runs_dir: Path, run_id: str) -> RunRecord:
    """The record of run ``run_id``; ``RunError`` naming the known runs if there is none."""
    path = Path(runs_dir) / run_id / RUN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = [r.run_id for r in list_runs(runs_dir)[:5]]
        hint = (
            "Recent runs: " + ", ".join(known)
            if known
            else "No runs yet: start one with `mlops-stacks run JOB`."
        )
        raise RunError(f"No run with id '{run_id}' in {runs_dir}.", hint=hint) from None
    except (OSError, ValueError) as exc:
        raise RunError(f"Cannot read run record {path}: {exc}") from exc
    return RunRecord.from_dict(data)


def list_runs(runs_dir: Path, job_key: str | None = None) -> list[RunRecord]:
    """All runs in ``runs_dir`` (optionally of one job), newest first; unreadable ones left out."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    records = []
    for entry in root.iterdir():
        path = entry / RUN_FILE
        if not path.is_file():
            continue
        try:
            rec = RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if job_key is None or rec.job_key == job_key:
            records.append(rec)
    records.sort(key=lambda r: (r.start_time or 0.0, r.run_id), reverse=True)
    return records
