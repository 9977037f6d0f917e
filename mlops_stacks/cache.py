"""Where mlops-stacks keeps caches that only make things faster.

``$MLOPS_STACKS_CACHE_DIR``, else ``$XDG_CACHE_HOME/mlops-stacks``, else
``~/.cache/mlops-stacks``. Everything in it can be deleted at any time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("MLOPS_STACKS_CACHE_DIR")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlops-stacks"
