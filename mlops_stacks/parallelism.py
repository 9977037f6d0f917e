"""How many requests a command keeps in flight at once (``--parallelism``).

``deploy`` and ``destroy`` apply changes over the resource graph with this many
at once, file sync uploads this many files at once, and drift reads check this
many resources at once, on a Databricks workspace. The local workspace works on
its own disk, one change at a time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mlops_stacks.errors import UsageError

__all__ = ["DEFAULT_PARALLELISM", "PARALLELISM_ENV", "parallelism_from"]

#: Requests in flight at once by default (as the Databricks CLI's direct engine).
DEFAULT_PARALLELISM = 10
#: Environment variable that sets the parallelism (``--parallelism`` wins).
PARALLELISM_ENV = "MLOPS_STACKS_PARALLELISM"


def parallelism_from(option: int | None, env: Mapping[str, str] | None = None) -> int:
    """``--parallelism`` if given, else ``$MLOPS_STACKS_PARALLELISM``, else the default."""
    if option is not None:
        if option < 1:
            raise UsageError(f"--parallelism {option}: must be 1 or more.")
        return option
    raw = (os.environ if env is None else env).get(PARALLELISM_ENV, "").strip()
    if not raw:
        return DEFAULT_PARALLELISM
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(f"{PARALLELISM_ENV}={raw!r}: must be a whole number, 1 or more.",
                         hint=f"Unset it, or set it to the requests in flight wanted "
                         f"(default {DEFAULT_PARALLELISM}).")
    return value
