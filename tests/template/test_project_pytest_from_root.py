"""The generated project's tests run from the repository root too, and leave no MLflow
files behind (no ``mlruns/`` in the project)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import render_template

pytestmark = pytest.mark.slow


def test_pytest_from_the_repository_root_passes_and_leaves_no_mlruns(tmp_path):
    repo = render_template(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DATABRICKS_"))}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "-x"], cwd=repo, env=env, capture_output=True, text=True,
                           timeout=900)
    report = tests.stdout[-4000:] + tests.stderr[-2000:]
    assert tests.returncode == 0, report
    assert " passed" in tests.stdout, report
    leftovers = [p for p in repo.rglob("mlruns")]
    assert not leftovers, leftovers
