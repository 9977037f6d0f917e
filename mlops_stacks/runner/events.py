"""RunEvent: what a live view is told while a job runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_stacks.runner.record import RunRecord, TaskRecord

RUN_QUEUED = "run_queued"  # waiting for a slot under max_concurrent_runs (message says why)
RUN_STARTED = "run_started"
TASK_STARTED = "task_started"
TASK_FINISHED = "task_finished"  # SUCCESS, FAILED, SKIPPED, EXCLUDED or CANCELED
RUN_FINISHED = "run_finished"  # also for a run skipped under max_concurrent_runs


@dataclass(frozen=True)
class RunEvent:
    """One change in a run. ``record`` is the live record (read it, do not change it)."""

    kind: str
    record: RunRecord
    task_key: str | None = None
    state: str | None = None
    message: str | None = None

    @property
    def task(self) -> TaskRecord | None:
        return self.record.tasks.get(self.task_key) if self.task_key else None


EventHandler = Callable[[RunEvent], None]
