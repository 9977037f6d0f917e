"""``/Volumes/...`` paths in local runs: the folder the local workspace keeps them in.

The local workspace creates schema and volume folders under
``.mlops-stacks/<target>/volumes/`` and hands that folder to task processes as
``$MLOPS_STACKS_VOLUMES``; the runner's shims map ``/Volumes/<catalog>/...``
paths into it. The name lives here, below the workspace layer, so both sides
share it without the runner importing the workspace.
"""

from __future__ import annotations

import os
from pathlib import Path

VOLUMES_ENV = "MLOPS_STACKS_VOLUMES"


def volume_path(path: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The local folder of a ``/Volumes/...`` path (root: ``$MLOPS_STACKS_VOLUMES``)."""
    base = root if root is not None else os.environ.get(VOLUMES_ENV)
    if not base or not path.startswith("/Volumes/"):
        return Path(path)
    rest = [p for p in path[len("/Volumes/"):].split("/") if p not in ("", ".", "..")]
    return Path(base).joinpath(*rest)
