"""The template is plain to read: path names hold no conditions, and its Python is linted."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "mlops-stacks" / "template"
# A plain name, optionally with one `{{ variable }}` in it.
PLAIN = re.compile(r"^[\w.@+-]*(\{\{ ?[A-Za-z_][\w.]* ?\}\}[\w.@+-]*)?$")


def test_every_template_path_is_a_plain_name_or_one_variable() -> None:
    bad = [
        str(p.relative_to(TEMPLATE))
        for p in TEMPLATE.rglob("*")
        if not PLAIN.match(p.name) or "{%" in p.name
    ]
    assert bad == []


def test_template_python_passes_ruff() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [ruff, "check", "--no-cache", str(ROOT / "templates")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checked = subprocess.run(
        [ruff, "check", "--no-cache", "--show-files", str(ROOT / "templates")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert "train.py" in checked  # the template is not excluded
