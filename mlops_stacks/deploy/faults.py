"""A fault-injection point for tests of interrupted deploys.

Set ``MLOPS_STACKS_TEST_PAUSE_AFTER`` and a deploy stops at a chosen point and
sleeps (``MLOPS_STACKS_TEST_PAUSE_SECONDS``, default 600) so a test can kill it
there with SIGKILL, then check that the next deploy converges:

- ``N``: after N resource actions have been applied *and* recorded in the
  state (``0``: right after the files are synced, before any resource action).
  With several changes at once, N counts the changes in the order they land,
  and the other workers go on while the one that reached the point sleeps;
- ``N:unsaved``: after action N has been applied in the workspace but *before*
  the state records it (the window where a crash leaves an unrecorded
  resource behind).

When paused, the deploy prints ``mlops-stacks: paused at <point>`` on stderr.
Unset (always, outside tests), this module does nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

ENV = "MLOPS_STACKS_TEST_PAUSE_AFTER"
SECONDS_ENV = "MLOPS_STACKS_TEST_PAUSE_SECONDS"


def pause_point(done: int, *, saved: bool = True,
                before: Callable[[], None] | None = None) -> None:
    """Sleep here if ``MLOPS_STACKS_TEST_PAUSE_AFTER`` names this point (``before`` is
    called first: the state writer makes sure the change is written)."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    count, _, where = spec.partition(":")
    try:
        wanted = int(count)
    except ValueError:
        return
    if wanted != done or saved != (where != "unsaved"):
        return
    if before is not None:
        before()
    sys.stderr.write(f"mlops-stacks: paused at {spec}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get(SECONDS_ENV, "600")))
