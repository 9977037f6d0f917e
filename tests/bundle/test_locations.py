"""``validate -o json --include-locations``: where every value was written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.bundle.bundle_testkit import write_files

FILES = {
    "databricks.yml": """\
bundle:
  name: demo
include:
  - resources/*.yml
targets:
  local:
    default: true
    workspace:
      host: local
""",
    "resources/job.yml": """\
resources:
  jobs:
    train:
      name: train
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ../src/train.py
""",
    "src/train.py": "# Databricks notebook source\n",
}


def test_every_written_value_has_its_file_line_and_column(tmp_path: Path) -> None:
    write_files(tmp_path, FILES)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "BUNDLE_"))}
    proc = subprocess.run([sys.executable, "-m", "mlops_stacks", "validate", "-o", "json",
                           "--include-locations"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    located = json.loads(proc.stdout)["__locations"]
    assert located["files"] == ["databricks.yml", "resources/job.yml"]
    where = located["locations"]
    assert where["bundle.name"] == [[0, 2, 9]]
    assert where["resources.jobs.train.name"] == [[1, 4, 13]]
    assert where["resources.jobs.train.tasks[0].notebook_task.notebook_path"] == [[1, 8, 28]]
