"""`mlops-stacks validate` stays light: start-up is part of every validation's time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("copier", "mlflow", "databricks.sdk", "pandas", "sklearn", "jsonschema", "jinja2",
         "requests")

BUNDLE = """\
bundle:
  name: light
resources:
  jobs:
    train:
      name: train
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ./Train.py
targets:
  local:
    default: true
    workspace:
      host: local
"""


def test_validate_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "databricks.yml").write_text(BUNDLE)
    (tmp_path / "Train.py").write_text("# Databricks notebook source\nprint('train')\n")
    code = (
        "import runpy, sys\n"
        "sys.argv = ['mlops-stacks', 'validate']\n"
        "try:\n"
        "    runpy.run_module('mlops_stacks', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    env["NO_COLOR"] = "1"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Validation OK!" in out.stdout
    assert "HEAVY []" in out.stdout, out.stdout
