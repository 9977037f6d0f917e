"""Cancellation: stop a run's task processes and close its record.

``cancel`` is called by the engine when the run is interrupted (Ctrl-C, or
SIGTERM while ``sigterm_as_interrupt`` is active), times out, or the runner
itself fails: it stops every task process (SIGTERM, SIGKILL after a grace
period; a second Ctrl-C kills at once), forgets pending retries and for-each
loops, marks PENDING and RUNNING tasks CANCELED and ends the run in ``state``.

Reads: ``Execution.running``. Changes: ``Execution.running``/``retries``/
``foreach`` (emptied), the task and run records (saved), the task logs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

from mlops_stacks.runner.events import RUN_FINISHED
from mlops_stacks.runner.execution import Execution
from mlops_stacks.runner.process import stop_all
from mlops_stacks.runner.record import CANCELED, PENDING, RUNNING


def cancel(run: Execution, reason: str, state: str = CANCELED) -> None:
    """Stop what runs and end the run ``state`` (CANCELED or FAILED) with ``reason``."""
    processes = [r.process for r in run.running.values()]
    try:
        stop_all(list(processes))
    except KeyboardInterrupt:  # a second Ctrl-C: no more waiting
        for p in processes:
            p.kill()
    for running in run.running.values():
        run.log(running.task_key, "[mlops-stacks] canceled")
    run.running.clear()
    run.retries.clear()
    run.foreach.clear()
    now = time.time()
    for task in run.record.tasks.values():
        if task.state in (PENDING, RUNNING):
            task.state = CANCELED
            task.end_time = now if task.start_time else None
            task.error = task.error or reason
    run.record.state = state
    run.record.error = reason
    run.record.end_time = now
    run.save()
    run.emit(RUN_FINISHED, message=reason)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While tasks run, SIGTERM cancels the run like Ctrl-C, so task processes
    (in their own sessions) are stopped instead of being left behind."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
