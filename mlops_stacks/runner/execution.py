"""The state of one run in progress, and the bookkeeping every part of the engine shares.

``Execution`` holds the plan, the ``RunRecord``, the reference context and what
is in flight (task processes, pending retries, for-each loops). Its methods are
the only writers of task states: ``start_task`` / ``finish_task`` change a
task's record, save ``run.json`` and report the change to ``on_event``; ``log``
appends a line to a task's log file.

Reads: the ``RunPlan``. Changes: the ``RunRecord`` (saved under ``runs_dir``),
the task logs, ``refs.task_states``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mlops_stacks.jsontypes import JsonValue
from mlops_stacks.runner.events import TASK_FINISHED, TASK_STARTED, EventHandler, RunEvent
from mlops_stacks.runner.launch import Launcher
from mlops_stacks.runner.params import RefContext
from mlops_stacks.runner.plan import RunPlan
from mlops_stacks.runner.process import ForkedProcess, TaskProcess
from mlops_stacks.runner.record import (
    EXCLUDED,
    FAILED,
    PENDING,
    RUNNING,
    RunRecord,
    TaskRecord,
    process_start_time,
    read_log_tail,
)

RunOtherJob = Callable[[str, dict[str, str]], RunRecord]


class TimedOut(Exception):
    """The run's time limit passed."""


@dataclass
class Running:
    """A task process (or one for-each iteration's process) in flight."""

    process: TaskProcess | ForkedProcess
    started: float
    timeout: float | None
    timed_out: bool = False
    task_key: str = ""
    iteration: int | None = None  # for_each_task: which input


@dataclass
class ForEach:
    """A for_each_task in progress: its inputs and how its iterations went."""

    inputs: list[JsonValue]
    concurrency: int
    next: int = 0
    running: int = 0
    done: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # index, error, log


@dataclass
class Retry:
    """A failed task waiting to start again at ``at`` (``time.time()``)."""

    at: float


@dataclass
class Execution:
    plan: RunPlan
    runs_dir: Path
    env: dict[str, str]
    on_event: EventHandler | None
    run_other_job: RunOtherJob | None
    run_id: str
    parent_run_id: str | None
    max_parallel: int
    time_limit: tuple[float, str] | None = None
    start_method: str | None = None
    resolve_path: Callable[[str], Path] | None = None
    files_root: Path | None = None
    running: dict[str, Running] = field(default_factory=dict)
    retries: dict[str, Retry] = field(default_factory=dict)
    foreach: dict[str, ForEach] = field(default_factory=dict)
    # Set by the engine when the run starts (``engine.execute``).
    launcher: Launcher = field(init=False)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.run_dir = self.runs_dir / self.run_id
        self.tasks_dir = self.run_dir / "tasks"
        now = time.time()
        self.record = RunRecord(
            run_id=self.run_id,
            job_key=self.plan.job_key,
            state=RUNNING,
            start_time=now,
            params=dict(self.plan.parameters),
            pid=os.getpid(),
            pid_start=process_start_time(os.getpid()),
            parent_run_id=self.parent_run_id,
            run_dir=str(self.run_dir),
        )
        for key in self.plan.graph.order:
            state = PENDING if key in self.plan.selected else EXCLUDED
            task = TaskRecord(key=key, kind=self.plan.kinds[key], state=state)
            if state == EXCLUDED:
                task.error = "not selected (--only)"
            self.record.tasks[key] = task
        self.refs = RefContext(
            job_id=self.plan.job_id,
            job_name=str(self.plan.job.get("name") or self.plan.job_key),
            run_id=self.run_id,
            start_time=now,
            parameters=self.plan.parameters,
        )

    def save(self) -> None:
        self.record.save(self.runs_dir)

    def emit(self, kind: str, task_key: str | None = None, message: str | None = None) -> None:
        if self.on_event is None:
            return
        state = self.record.tasks[task_key].state if task_key else self.record.state
        self.on_event(
            RunEvent(kind=kind, record=self.record, task_key=task_key, state=state, message=message)
        )

    def finish_task(self, key: str, state: str, error: str | None = None) -> None:
        task = self.record.tasks[key]
        task.state = state
        task.end_time = time.time()
        if error:
            task.error = error
        if state == FAILED:
            task.log_tail = read_log_tail(task.log_path)
        self.refs.task_states[key] = state
        self.save()
        self.emit(TASK_FINISHED, key, error)

    def start_task(self, key: str) -> None:
        task = self.record.tasks[key]
        task.state = RUNNING
        task.attempts += 1
        if task.start_time is None:
            task.start_time = time.time()
        task.log_path = str(self.tasks_dir / f"{key}.log")
        self.save()
        self.emit(TASK_STARTED, key)

    def log(self, key: str, line: str) -> None:
        """Append ``line`` to the log of task ``key`` (or of a for-each iteration,
        ``<task>.iter<n>``, whose log is appended to its task's when it ends)."""
        task = self.record.tasks.get(key)
        path = (task.log_path if task is not None else None) or str(self.tasks_dir / f"{key}.log")
        with open(path, "a", encoding="utf-8") as f:
            f.write(line.rstrip("\n") + "\n")
