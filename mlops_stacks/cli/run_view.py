"""A live view of a job run: one row per task with its state, fed RunEvents.

On a terminal it is a table that redraws in place (rich Live); elsewhere
(pipes, CI, tests) it prints one plain line per change, and a progress line
for each running task every 30 s (``MLOPS_STACKS_PROGRESS_SECONDS``)::

    Run 20250101-120000-1a2b3c of model_training_job started
      Train  RUNNING
      Train  RUNNING  30.0s
      Train  SUCCESS  41.2s
      ModelValidation  FAILED  3.1s
    Run 20250101-120000-1a2b3c FAILED in 45.0s

A failed task's reason is not repeated here: the command prints it once, after
the run.

Use it as the ``on_event`` of ``run_job``::

    with RunView(term.out) as view:
        record = run_job(..., on_event=view)
    print_failures(record, term.out)

Runs started by run_job tasks (same view passed to the inner run) appear
under their own heading. ``print_failures`` prints each failed task's error
and log tail after the run.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from mlops_stacks.runner.events import RUN_FINISHED, RUN_QUEUED, RUN_STARTED, RunEvent
from mlops_stacks.runner.record import RunRecord, TaskRecord

if TYPE_CHECKING:
    from rich.live import Live

#: Environment variable: seconds between progress lines off a terminal (0: none).
PROGRESS_ENV = "MLOPS_STACKS_PROGRESS_SECONDS"
DEFAULT_PROGRESS_SECONDS = 30.0

STYLES = {
    "PENDING": "dim",
    "RUNNING": "bold cyan",
    "SUCCESS": "green",
    "FAILED": "bold red",
    "SKIPPED": "yellow",
    "EXCLUDED": "dim",
    "CANCELED": "magenta",
    "QUEUED": "yellow",
}
MARKS = {
    "PENDING": "·",
    "RUNNING": "▶",
    "SUCCESS": "✓",
    "FAILED": "✗",
    "SKIPPED": "-",
    "EXCLUDED": " ",
    "CANCELED": "■",
}


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class RunView:
    """Show task states while runs go on; call it with each RunEvent."""

    def __init__(self, console: Console | None = None, *, live: bool | None = None,
                 progress_seconds: float | None = None) -> None:
        if console is None:
            from mlops_stacks.cli import terminal

            console = terminal.current().out
        self.console = console
        self.live_mode = console.is_terminal if live is None else live
        self.runs: list[RunRecord] = []
        self._live: Live | None = None
        # Off a terminal (CI logs), a line per running task every so often: proof of life.
        if progress_seconds is None:
            progress_seconds = float(os.environ.get(PROGRESS_ENV) or DEFAULT_PROGRESS_SECONDS)
        self.progress_seconds = progress_seconds
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- feeding ------------------------------------------------------------------
    def __call__(self, event: RunEvent) -> None:
        record = event.record
        if event.kind == RUN_QUEUED or (event.kind == RUN_FINISHED and record.state == "SKIPPED"):
            self._print_plain(event)  # before any table: the run has not started
            return
        if event.kind == RUN_STARTED:
            self._add(record)
        elif all(r.run_id != record.run_id for r in self.runs):
            self._add(record)
        if self.live_mode:
            self._update_live(event)
        else:
            self._print_plain(event)
            if self._ticker is None and self.progress_seconds > 0:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()
            if event.kind == RUN_FINISHED and self._is_outer(record):
                self._stop.set()

    def _tick(self) -> None:
        while not self._stop.wait(self.progress_seconds):
            for record in list(self.runs):
                for task in list(record.tasks.values()):
                    if task.state == "RUNNING" and task.start_time:
                        prefix = "" if self._is_outer(record) else f"[{record.job_key}] "
                        self.console.print(
                            f"{prefix}  {task.key}  RUNNING  {format_duration(task.duration)}",
                            markup=False, highlight=False, style="dim")

    def __enter__(self) -> RunView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop redrawing (leaves the last table on screen)."""
        self._stop.set()
        if self._live is not None:
            self._live.update(self._render(), refresh=True)
            self._live.stop()
            self._live = None

    def _add(self, record: RunRecord) -> None:
        self.runs = [r for r in self.runs if r.run_id != record.run_id] + [record]

    # -- plain lines ----------------------------------------------------------------
    def _print_plain(self, event: RunEvent) -> None:
        record = event.record
        prefix = "" if self._is_outer(record) else f"[{record.job_key}] "
        if event.kind == RUN_QUEUED:
            line = f"{prefix}Run {record.run_id} of {record.job_key} {event.message}"
        elif event.kind == RUN_FINISHED and record.state == "SKIPPED":
            line = f"{prefix}Run {record.run_id} of {record.job_key} {event.message}"
        elif event.kind == RUN_STARTED:
            line = f"{prefix}Run {record.run_id} of {record.job_key} started"
        elif event.kind == RUN_FINISHED:
            line = (
                f"{prefix}Run {record.run_id} {record.state} in {format_duration(record.duration)}"
            )
            if record.state == "CANCELED" and record.error:
                line += f": {record.error}"
        else:
            task = event.task
            if task is None:
                return
            line = f"{prefix}  {task.key}  {task.state}"
            if task.state != "RUNNING":
                duration = format_duration(task.duration) if task.start_time else ""
                note = _note(task)
                line += "".join(f"  {x}" for x in (duration, note) if x)
        self.console.print(line, markup=False, highlight=False, style=STYLES.get(event.state or ""))

    def _is_outer(self, record: RunRecord) -> bool:
        return not self.runs or self.runs[0].run_id == record.run_id

    # -- live table -----------------------------------------------------------------
    def _update_live(self, event: RunEvent) -> None:
        if self._live is None:
            from rich.live import Live

            self._live = Live(
                _Refreshing(self), console=self.console, refresh_per_second=4, transient=False
            )
            self._live.start()
        if event.kind == RUN_FINISHED and self._is_outer(event.record):
            self.close()

    def _render(self) -> Group:
        return Group(*(self._table(r) for r in self.runs))

    def _table(self, record: RunRecord) -> Table:
        title = f"{record.job_key}  run {record.run_id}  {record.state}"
        if record.duration is not None:
            title += f"  {format_duration(record.duration)}"
        table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
        table.add_column("", width=1)
        table.add_column("Task")
        table.add_column("State")
        table.add_column("Time", justify="right")
        table.add_column("Note", overflow="ellipsis", no_wrap=True)
        for task in record.tasks.values():
            style = STYLES.get(task.state, "")
            table.add_row(
                Text(MARKS.get(task.state, " "), style=style),
                task.key,
                Text(task.state, style=style),
                format_duration(task.duration) if task.start_time else "",
                _note(task),
            )
        return table


class _Refreshing:
    """Re-renders on every Live refresh, so running tasks' times keep moving."""

    def __init__(self, view: RunView) -> None:
        self.view = view

    def __rich__(self) -> Group:
        return self.view._render()


def _note(task: TaskRecord) -> str:
    if task.state == "FAILED":
        return ""  # the reason is printed once, after the run
    if task.state in ("SKIPPED", "EXCLUDED", "CANCELED") and task.error:
        return task.error
    if task.child_run_id:
        return f"run {task.child_run_id}"
    if task.result not in (None, ""):
        return f"result: {task.result}"
    return ""


def print_failures(record: RunRecord, console: Console, *, lines: int = 30) -> None:
    """For each failed task: its error, the last ``lines`` lines of its log and the log path."""
    for task in record.failed_tasks():
        console.print(
            f"Task {task.key} failed: {task.error or 'see its log'}",
            markup=False,
            style="bold red",
            highlight=False,
        )
        for line in task.log_tail[-lines:]:
            console.print(f"  | {line}", markup=False, highlight=False)
        if task.log_path:
            console.print(
                f"  Full log: {task.log_path}", markup=False, style="dim", highlight=False
            )


def wait_for(runs_dir: Path, run_id: str, view: RunView, poll: float = 0.5) -> RunRecord:
    """Follow a run another process executes (``--no-wait`` run) by polling its record."""
    from mlops_stacks.runner.follow import follow_run
    from mlops_stacks.runner.record import load_run

    return follow_run(lambda rid: load_run(runs_dir, rid), run_id, view, poll=poll)
