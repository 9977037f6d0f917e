"""Where the built-in copier templates live.

In a wheel they ship inside the package (``mlops_stacks/_templates``); in a
source checkout (editable install, tests) they are the repository's
``templates/`` folder.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_TEMPLATE = "mlops-stacks"


def templates_dir() -> Path:
    packaged = Path(__file__).parent / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def builtin_template(name: str = DEFAULT_TEMPLATE) -> Path:
    return templates_dir() / name
