"""Task retries: whether a failed task runs again, and when.

Reads: the task's ``max_retries``, ``retry_on_timeout`` and
``min_retry_interval_millis`` and its attempt count. Changes: the task's state
(back to PENDING) and ``Execution.retries`` (when the next attempt is due);
``due`` takes the retries whose time has come off that list.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from mlops_stacks.runner.execution import Execution, Retry
from mlops_stacks.runner.record import PENDING

# "Retry indefinitely" (max_retries: -1) would never end locally.
INDEFINITE_RETRIES = 3


def schedule_retry(run: Execution, key: str, timed_out: bool) -> bool:
    """Put ``key`` back to PENDING for another attempt if its settings allow one."""
    settings = run.plan.graph.nodes[key].settings
    task = run.record.tasks[key]
    max_retries = int(settings.get("max_retries") or 0)
    if max_retries == -1:
        max_retries = INDEFINITE_RETRIES
    if task.attempts > max_retries or (timed_out and not settings.get("retry_on_timeout")):
        return False
    task.state = PENDING
    delay = float(settings.get("min_retry_interval_millis") or 0) / 1000
    run.retries[key] = Retry(at=time.time() + delay)
    return True


def due(run: Execution) -> Iterator[str]:
    """The tasks whose retry time has come, one at a time while there is room for
    them; each is taken off ``run.retries`` before it is yielded (the caller starts
    it before asking for the next)."""
    for key, retry in list(run.retries.items()):
        if time.time() >= retry.at and len(run.running) < run.max_parallel:
            del run.retries[key]
            yield key
