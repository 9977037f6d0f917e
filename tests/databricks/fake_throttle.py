"""A 429 storm for the fake workspace: the workspace's rate limit, as the whole command sees it.

``server.storm = Storm(answers=30, retry_after=1)`` makes the fake answer the next
30 API requests ``429 REQUEST_LIMIT_EXCEEDED`` with ``Retry-After: 1``, as a
workspace over its request rate does. Each 429 asks the client to send nothing for
``retry_after`` seconds; a request that arrives in that window is recorded in
``violations``: a worker that did not honour ``Retry-After``. ``grace`` seconds at
each end of the window do not count: requests already on their way when a 429 is
sent, and a client that learns of a second 429 a little after the first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Storm:
    answers: int
    """How many 429 answers to give before letting requests through."""
    retry_after: int = 1
    prefix: str = "/api/"
    """The API whose limit is exceeded (Databricks limits each API on its own)."""
    grace: float = 0.15
    quiet_from: float = 0.0
    quiet_until: float = 0.0
    given: int = 0
    violations: list[tuple[str, float]] = field(default_factory=list)
    """(path, seconds before the end of the quiet window) of each early request."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def throttles(self, path: str, received: float, answered: float) -> bool:
        """Whether this request gets a 429 (and record it if it came too early)."""
        if not path.startswith(self.prefix):
            return False
        with self._lock:
            if self.quiet_from + self.grace < received < self.quiet_until - self.grace:
                self.violations.append((path, self.quiet_until - received))
            if self.given >= self.answers:
                return False
            self.given += 1
            self.quiet_from = answered
            self.quiet_until = max(self.quiet_until, answered + self.retry_after)
            return True
