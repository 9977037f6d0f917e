"""``export_template(dest)``: the built-in template as a standalone git repository to fork.

The repository holds every release of the built-in template as a tag
(``v0.1.0``, ``v0.2.0``, ...; see ``releases``) with the current one checked
out, so projects generated from the built-in template can move to the fork and
keep updating: their recorded ``_commit`` exists in the fork too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.scaffold import releases


def export_template(dest: Path) -> str:
    """Write the built-in template to the new or empty folder ``dest``; returns its tag."""
    dest = dest.absolute()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise MlopsStacksError(
            f"{dest}: exists and is not an empty folder; nothing was written.",
            hint="Pass a new or empty folder.",
        )
    repo = releases.builtin_repository()
    try:
        subprocess.run(
            ["git", "clone", "--quiet", "--no-hardlinks", "--", str(repo), str(dest)],
            check=True, capture_output=True, text=True,
        )
        for args in (["remote", "remove", "origin"], ["checkout", "--quiet", "-B", "main"]):
            subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        raise MlopsStacksError(f"cannot write {dest}: {(exc.stderr or '').strip()}") from None
    return releases.version_tag()
