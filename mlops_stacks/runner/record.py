"""Run records: what happened in a job run, persisted as JSON after every change.

A run lives in ``runs_dir/<run_id>/``::

    run.json              the RunRecord (written atomically: temp file + rename)
    tasks/<key>.log       stdout + stderr of the task's process
    tasks/<key>.spec.json what the task process was asked to do
    tasks/<key>.out.json  what the task process reported (task values, exit value, error)

``list_runs`` and ``load_run`` read records back for ``runs``/``run --no-wait`` views.
A record still RUNNING whose process is gone (killed, machine restarted) is
closed by the first of them that reads it: INTERNAL_ERROR, "the run's process ended".
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from mlops_stacks.errors import RunError
from mlops_stacks.fileio import atomic_write_json as write_json_atomic
from mlops_stacks.jsontypes import JsonObject, JsonValue

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

# A run whose process ended without closing its record (killed, machine restarted)
# ends INTERNAL_ERROR, as Databricks ends a run it lost.
INTERNAL_ERROR = "INTERNAL_ERROR"
PROCESS_ENDED = "the run's process ended"

TASK_STATES = (PENDING, RUNNING, SUCCESS, FAILED, SKIPPED, CANCELED, EXCLUDED)
RUN_STATES = (PENDING, QUEUED, RUNNING, SUCCESS, FAILED, CANCELED, SKIPPED, INTERNAL_ERROR)
TERMINAL_STATES = frozenset({SUCCESS, FAILED, SKIPPED, CANCELED, EXCLUDED})

RUN_FILE = "run.json"
#: The folder of ``runs_dir`` naming the runs not done yet (``unfinished_runs``).
ACTIVE_DIR = ".active"
INDEX_BUILT = ".built"
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
    result: JsonValue = None  # dbutils.notebook.exit value, or "true"/"false" for a condition task
    values: JsonObject = field(default_factory=dict)  # task values it set
    error: str | None = None  # one-line summary of why it failed / was skipped
    log_tail: list[str] = field(default_factory=list)  # last lines of the log when it failed
    attempts: int = 0
    child_run_id: str | None = None  # run_job_task: the run it started
    pid: int | None = None  # its process (the latest attempt)
    start_method: str | None = None  # "fork" (from the run's fork server) or "spawn"


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
    pid_start: float | None = None  # when that process started (a reused pid is not it)
    parent_run_id: str | None = None
    run_dir: str | None = None
    queue_time: float | None = None  # when it was queued behind max_concurrent_runs
    start_note: str | None = None  # how its tasks started (fork server or fresh processes)

    @property
    def done(self) -> bool:
        return self.state in (SUCCESS, FAILED, CANCELED, SKIPPED, INTERNAL_ERROR)

    def owner_alive(self) -> bool:
        """Whether the process running this run still exists (True when unknown)."""
        if not self.pid:
            return True
        stat = _proc_stat(self.pid)
        if stat is None:
            return pid_exists(self.pid) and not Path("/proc/self/stat").exists()
        state, started = stat
        if state in ("Z", "X"):  # ended, not yet reaped
            return False
        return self.pid_start is None or abs(started - self.pid_start) < 1.0

    def close_if_orphaned(self, runs_dir: Path) -> bool:
        """Close a RUNNING/PENDING record whose process is gone: INTERNAL_ERROR, saved."""
        if self.done or self.owner_alive():
            return False
        now = time.time()
        self.state = INTERNAL_ERROR
        self.error = PROCESS_ENDED
        self.end_time = now
        for task in self.tasks.values():
            if task.state in (PENDING, RUNNING):
                task.state = CANCELED
                task.error = task.error or PROCESS_ENDED
                task.end_time = now if task.start_time else None
        self.save(runs_dir)
        return True

    def failed_tasks(self) -> list[TaskRecord]:
        return [t for t in self.tasks.values() if t.state == FAILED]

    def to_dict(self) -> JsonObject:
        from mlops_stacks.secrets import process_secrets

        data = asdict(self)
        data["params"] = process_secrets().mask(data["params"])  # secrets never recorded
        data["tasks"] = [asdict(t) for t in self.tasks.values()]
        return data

    @classmethod
    def from_dict(cls, data: JsonObject) -> RunRecord:
        task_names = {f.name for f in fields(TaskRecord)}
        run_names = {f.name for f in fields(cls)}
        tasks = {}
        for t in data.get("tasks", []):
            rec = TaskRecord(**{k: v for k, v in t.items() if k in task_names})
            tasks[rec.key] = rec
        kwargs = {k: v for k, v in data.items() if k in run_names and k != "tasks"}
        return cls(tasks=tasks, **kwargs)

    def save(self, runs_dir: Path) -> Path:
        """Write ``run.json`` atomically, so readers never see half a record.

        A run not yet done is also named in ``runs_dir/.active`` (see ``unfinished_runs``):
        the name is written before a record that is not done and removed after a record
        that is, so it is there whenever the run may still be going on."""
        run_dir = Path(runs_dir) / self.run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        marker = Path(runs_dir) / ACTIVE_DIR / self.run_id
        if not self.done:
            marker.parent.mkdir(exist_ok=True)
            marker.touch()
        target = run_dir / RUN_FILE
        write_json_atomic(target, self.to_dict())
        if self.done:
            marker.unlink(missing_ok=True)
        return target


def process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since boot, Linux), ``None`` if unknown
    or gone; tells a live run apart from an unrelated process that reused its pid."""
    stat = _proc_stat(pid)
    return stat[1] if stat else None


def _proc_stat(pid: int) -> tuple[str, float] | None:
    """(state letter, start time) of process ``pid`` from ``/proc`` (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    fields_after_name = stat.rsplit(")", 1)[-1].split()
    try:
        return fields_after_name[0], int(fields_after_name[19]) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return None


def pid_exists(pid: int) -> bool:
    if os.name != "posix":  # pragma: no cover - Windows: cannot tell cheaply
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


#: How to get past a run record that cannot be read.
DAMAGED_RUN_HINT = (
    "Move its run folder away (or delete it) to drop the run from the history; "
    "runs of the job are not affected."
)


def load_run(runs_dir: Path, run_id: str) -> RunRecord:
    """The record of run ``run_id``; ``RunError`` naming the known runs if there is none."""
    from mlops_stacks.state_files import read_json_object

    path = Path(runs_dir) / run_id / RUN_FILE
    try:
        data = read_json_object(path, what="the run record", hint=DAMAGED_RUN_HINT)
        if data is None:
            raise FileNotFoundError(path)
    except FileNotFoundError:
        known = [r.run_id for r in list_runs(runs_dir, limit=5)]
        hint = (
            "Recent runs: " + ", ".join(known)
            if known
            else "No runs yet: start one with `mlops-stacks run JOB`."
        )
        raise RunError(f"No run with id '{run_id}' in {runs_dir}.", hint=hint) from None
    try:
        record = RunRecord.from_dict(data)
    except (TypeError, AttributeError, ValueError) as exc:
        raise RunError(f"The run record {path} is damaged: {exc}.", hint=DAMAGED_RUN_HINT) from None
    record.close_if_orphaned(runs_dir)
    return record


def unfinished_runs(runs_dir: Path, job_key: str | None = None) -> list[RunRecord]:
    """The runs in ``runs_dir`` not done yet (optionally of one job), newest first.

    Read from the names in ``.active`` rather than from every record, so a deploy or a
    run start costs the same with 5 or 5,000 earlier runs. Records whose process is gone
    are closed on the way (and leave the index). A runs folder written before the index
    existed is read in full once, which builds it.
    """
    root = Path(runs_dir)
    index = root / ACTIVE_DIR
    if not (index / INDEX_BUILT).exists():
        found = [r for r in list_runs(root) if not r.done]
        index.mkdir(parents=True, exist_ok=True)
        for rec in found:
            (index / rec.run_id).touch()
        (index / INDEX_BUILT).touch()
        return [r for r in found if job_key is None or r.job_key == job_key]
    records: list[RunRecord] = []
    for name in os.listdir(index):
        if name.startswith("."):
            continue
        try:
            found_rec = _read_record(root / name / RUN_FILE)
        except FileNotFoundError:
            found_rec = None
        if found_rec is None or found_rec.done:  # deleted with its job, or done: stale
            (index / name).unlink(missing_ok=True)
            continue
        if found_rec.close_if_orphaned(root):
            continue
        if job_key is None or found_rec.job_key == job_key:
            records.append(found_rec)
    return _newest_first(records)


def _read_record(path: Path) -> RunRecord | None:
    """The record at ``path``, or None when it cannot be read; ``FileNotFoundError``
    when there is none (a run being created, deleted with its job, or not a run)."""
    from mlops_stacks.state_files import json_problem

    try:
        _, data = json_problem(path.read_bytes())
        return RunRecord.from_dict(data) if data is not None else None
    except FileNotFoundError:
        raise
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _newest_first(records: list[RunRecord]) -> list[RunRecord]:
    records.sort(key=lambda r: (r.start_time or 0.0, r.run_id), reverse=True)
    return records


def list_runs(
    runs_dir: Path, job_key: str | None = None, *, unreadable: list[Path] | None = None,
    limit: int | None = None,
) -> list[RunRecord]:
    """All runs in ``runs_dir`` (optionally of one job), newest first.

    Records that cannot be read are left out; their paths go to ``unreadable`` when
    given, so that a listing can say so. With ``limit``, only the ``limit`` newest runs
    are read: run IDs begin with their start time (``new_run_id``), so the folders are
    taken newest first by name and the reading stops there, however many runs the
    target has kept.
    """
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    entries = sorted((e for e in os.scandir(root) if e.is_dir()), key=lambda e: e.name,
                     reverse=True)  # fmt: skip
    records: list[RunRecord] = []
    for entry in entries:
        if limit is not None and len(records) >= limit:
            break
        path = Path(entry.path) / RUN_FILE
        try:
            rec = _read_record(path)
        except FileNotFoundError:
            continue
        if rec is None:
            if unreadable is not None:
                unreadable.append(path)
            continue
        if job_key is None or rec.job_key == job_key:
            rec.close_if_orphaned(root)
            records.append(rec)
    return _newest_first(records)
