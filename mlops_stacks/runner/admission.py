"""Whether a new run of a job may start now: ``max_concurrent_runs`` and ``queue``.

Databricks semantics: a job runs at most ``max_concurrent_runs`` runs at once
(1 when unset; 0 skips every new run). A run beyond the limit is **skipped**
(it ends at once, state ``SKIPPED``, with a message naming the runs in the
way), unless the job has ``queue: {enabled: true}``: then it is **queued**
(state ``QUEUED``) and starts when a slot frees, oldest first.

Admission is decided under a file lock beside ``runs_dir`` so two ``run``
commands started together cannot both take the last slot. A run counts as
active while its record is PENDING, QUEUED or RUNNING and the process that
owns it is alive (a run left behind by a killed process does not block).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.record import (
    PENDING,
    QUEUED,
    RUN_FILE,
    RUNNING,
    SKIPPED,
    RunRecord,
    pid_exists,
    unfinished_runs,
)

ADMITTED = "admitted"
QUEUED_OUTCOME = "queued"
SKIPPED_OUTCOME = "skipped"
QUEUE_POLL_SECONDS = 0.2


@dataclass
class Admission:
    """What admission decided for one run."""

    outcome: str
    """``admitted``, ``queued`` (waiting for a slot) or ``skipped``."""
    record: RunRecord
    limit: int
    blocking: list[str] = field(default_factory=list)
    """IDs of the active runs that took the slots."""

    @property
    def message(self) -> str:
        runs = ", ".join(self.blocking) or "none"
        plural = "s" if self.limit != 1 else ""
        base = f"the job allows {self.limit} concurrent run{plural} (max_concurrent_runs)"
        if self.outcome == SKIPPED_OUTCOME:
            return f"skipped: {base} and these are active: {runs}"
        if self.outcome == QUEUED_OUTCOME:
            return f"queued: {base}; waiting for {runs}"
        return "admitted"


def limits(job: JsonObject) -> tuple[int, bool]:
    """``(max_concurrent_runs, queue enabled)`` of a job's settings, with Databricks defaults."""
    raw = job.get("max_concurrent_runs")
    try:
        limit = 1 if raw is None else max(0, int(raw))
    except (TypeError, ValueError):
        limit = 1
    queue = job.get("queue") or {}
    return limit, bool(isinstance(queue, dict) and queue.get("enabled"))


def admit(
    runs_dir: Path,
    job: JsonObject,
    *,
    job_key: str,
    run_id: str,
    wait: bool = True,
    on_queued: Callable[[Admission], None] | None = None,
    pid: int | None = None,
) -> Admission:
    """Claim a slot for ``run_id`` or record why it cannot start.

    Returns ``admitted`` (a PENDING record owned by ``pid`` is written),
    ``skipped`` (a SKIPPED record is written) or, with ``wait=False``,
    ``queued`` (a QUEUED record is written; a later ``admit`` of the same run
    waits for its turn). With ``wait=True`` a queued run blocks here, calling
    ``on_queued`` once, until it is admitted.
    """
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    limit, queue = limits(job)
    owner = pid or os.getpid()
    told = False
    while True:
        with _locked(_lock_path(runs_dir)):
            mine = _read(runs_dir, run_id)
            if mine is not None and mine.state == PENDING and _alive(mine.pid):
                # Admitted already (by the command that started this background run).
                mine.pid = owner
                mine.save(runs_dir)
                return Admission(ADMITTED, mine, limit)
            others = [
                r for r in unfinished_runs(runs_dir, job_key)
                if r.run_id != run_id and r.state in (PENDING, QUEUED, RUNNING) and _alive(r.pid)
            ]
            active = [r for r in others if r.state != QUEUED]
            queued_at = mine.queue_time if mine is not None and mine.queue_time else time.time()
            ahead = [
                r for r in others
                if r.state == QUEUED and (r.queue_time or 0, r.run_id) < (queued_at, run_id)
            ]
            blocking = [r.run_id for r in reversed(active)]
            record = mine or RunRecord(run_id=run_id, job_key=job_key,
                                       run_dir=str(runs_dir / run_id))
            record.pid = owner
            if len(active) < limit and not ahead:
                record.state = PENDING
                record.save(runs_dir)
                return Admission(ADMITTED, record, limit, blocking)
            if not queue:
                now = time.time()
                record.state = SKIPPED
                admission = Admission(SKIPPED_OUTCOME, record, limit, blocking)
                record.error = admission.message.capitalize()
                record.start_time = record.end_time = now
                record.save(runs_dir)
                return admission
            record.state = QUEUED
            record.queue_time = queued_at
            admission = Admission(QUEUED_OUTCOME, record, limit, blocking or [
                r.run_id for r in ahead])
            record.error = admission.message.capitalize()
            record.save(runs_dir)
        if not wait:
            return admission
        if on_queued is not None and not told:
            on_queued(admission)
            told = True
        time.sleep(QUEUE_POLL_SECONDS)


def hand_over(runs_dir: Path, run_id: str, to_pid: int) -> None:
    """Give a PENDING or QUEUED run claimed by this process to ``to_pid`` (a background runner)."""
    runs_dir = Path(runs_dir)
    with _locked(_lock_path(runs_dir)):
        record = _read(runs_dir, run_id)
        if record is not None and record.state in (PENDING, QUEUED) and record.pid == os.getpid():
            record.pid = to_pid
            record.save(runs_dir)


def _lock_path(runs_dir: Path) -> Path:
    """Beside ``runs_dir`` (whose entries are runs only): ``runs.admission.lock``."""
    return runs_dir.parent / f"{runs_dir.name}.admission.lock"


def _read(runs_dir: Path, run_id: str) -> RunRecord | None:
    import json

    try:
        data = json.loads((runs_dir / run_id / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return RunRecord.from_dict(data) if isinstance(data, dict) else None


def _alive(pid: int | None) -> bool:
    return bool(pid) and pid is not None and pid_exists(pid)
    return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (a short critical section; blocks until free)."""
    with open(path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: best effort, no lock
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


__all__ = ["ADMITTED", "QUEUED_OUTCOME", "SKIPPED_OUTCOME", "Admission", "admit", "hand_over",
           "limits"]
