"""The built wheel works on its own: the templates ship inside it and ``init`` finds them.

Builds the wheel from a copy of the source tree, installs it into a fresh
virtual environment (dependencies from the package index), and runs
``mlops-stacks init`` there from an unrelated folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "dist",
    "build",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mlops-stacks",
    "_templates",
)


def _run(args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MLOPS_STACKS_NO_INPUT"] = "1"
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_wheel_installs_and_init_uses_packaged_templates(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=SKIP)
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(source),
        ],
        cwd=tmp_path,
    )
    wheels = list(dist.glob("mlops_stacks-*.whl"))
    assert len(wheels) == 1

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheels[0])], cwd=tmp_path)
    shutil.rmtree(source)  # the installed package must not need the source tree

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _run(
        [
            str(venv / "bin" / "mlops-stacks"),
            "init",
            "--defaults",
            "--data",
            "project_name=demo",
            "out/demo",
        ],
        cwd=elsewhere,
        timeout=300,
    )

    project = elsewhere / "out" / "demo"
    assert (project / "demo" / "databricks.yml").is_file()
    assert "cd out/demo/demo" in result.stdout
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "mlops-stacks://builtin/mlops-stacks.git"  # never a path
    # The releases shipped in the wheel rebuild the template for an update, offline.
    updated = _run(
        [str(venv / "bin" / "mlops-stacks"), "update", "out/demo"],
        cwd=elsewhere,
        timeout=300,
    )
    assert "Already up to date" in updated.stdout + updated.stderr
