"""A generated project's own test suite passes in a fresh venv built from its requirements.

This is what a user (and the generated CI) does: a clean virtual environment,
`pip install -r requirements.txt -r test-requirements.txt`, then `pytest`.
The venv is new for every run; pip's download cache keeps repeats quick.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import render_template

pytestmark = pytest.mark.slow


def _clean_env() -> dict[str, str]:
    """The environment without anything that would leak this interpreter's packages or stores."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLFLOW_", "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE", "DATABRICKS_"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(cmd: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout
    )


def test_generated_project_tests_pass_in_a_fresh_venv(tmp_path):
    project = render_template(tmp_path / "repo") / "my_mlops_project"
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], tmp_path, 300)
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # A plain venv: none of the packages of the interpreter running these tests.
    probe = _run([str(python), "-c", "import mlflow"], tmp_path, 60)
    assert probe.returncode != 0
    install = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            "requirements.txt",
            "-r",
            "test-requirements.txt",
        ],
        project,
        1500,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    tests = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, 900)
    report = tests.stdout[-4000:] + tests.stderr[-2000:]
    assert tests.returncode == 0, report
    assert " passed" in tests.stdout and " failed" not in tests.stdout, report
