"""One rate limiter for all the requests of a command, whatever thread sends them.

A deploy sends up to ``--parallelism`` requests at once. When the workspace
answers one of them 429 (too many requests) or 503 with ``Retry-After``, the
limit is the workspace's, not that one worker's: every worker must wait. So:

- ``pause(seconds)`` (called by the retry loop on a throttling answer) holds
  every request of the command until then; a longer pause wins;
- ``wait`` (called before each attempt) sleeps through the pause, and after one
  keeps requests at least ``spacing`` apart for a while, so the workers come
  back one by one instead of all at once; the spacing halves with each
  request that goes through, and doubles with each new throttling answer.

Waiting counts against the command's deadline (it happens inside the call), and
a pause that would outlast the deadline is not waited for: the caller reports
the deadline instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Seconds between requests right after a throttling answer; at most ``MAX_SPACING``.
FIRST_SPACING = 0.05
MAX_SPACING = 1.0


class RateLimiter:
    """See the module docstring."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until = 0.0
        self._spacing = 0.0
        self._next_slot = 0.0
        self.throttled = 0
        """Throttling answers seen by the command."""

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` from now (a longer pause already set wins)."""
        with self._lock:
            self.throttled += 1
            self._until = max(self._until, self._clock() + max(0.0, seconds))
            self._spacing = min(MAX_SPACING, max(FIRST_SPACING, self._spacing * 2))

    def wait(self, remaining: Callable[[], float]) -> None:
        """Sleep until this request may go; returns early when ``remaining()`` (the
        command's deadline) would run out first."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._until, self._next_slot)
                if start <= now:
                    self._next_slot = now + self._spacing
                    self._spacing = self._spacing / 2 if self._spacing > 0.001 else 0.0
                    return
                delay = start - now
            if delay >= remaining():
                return
            self._sleep(delay)
