"""``%pip install`` in a notebook, honoured by the pre-run requirements check.

Databricks installs what a notebook's ``%pip`` cell names while the notebook runs.
A local run checks it before any task starts instead (the task's environment is
the interpreter that runs mlops-stacks): ``requirement_lines`` gives each package
or ``-r FILE`` a ``%pip install`` line names, with its line, for
``runner/requirements.py`` to check; the cell itself is skipped during the run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

_PIP = re.compile(r"^(?:# MAGIC\s*)?%pip\s+install\s+(?P<args>.*)$")
# Options that take a value, whose value is not a package.
_WITH_VALUE = {"-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
               "--find-links", "--trusted-host", "-t", "--target", "--prefix"}


def requirement_lines(path: Path) -> list[tuple[int, str]]:
    """``(line, "-r FILE" or requirement)`` for each ``%pip install`` argument in ``path``."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = _PIP.match(line.strip())
        if not m:
            continue
        try:
            words = shlex.split(m["args"].split(" #", 1)[0])
        except ValueError:
            continue
        skip = False
        for i, word in enumerate(words):
            if skip:
                skip = False
            elif word in ("-r", "--requirement") and i + 1 < len(words):
                out.append((number, f"-r {words[i + 1]}"))
                skip = True
            elif word in _WITH_VALUE:
                skip = True
            elif not word.startswith("-") and not word.startswith("$"):
                out.append((number, word))
    return out
