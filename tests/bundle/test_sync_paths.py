"""sync.paths: shared code outside the bundle root is synced, and paths follow the sync root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.bundle.bundle_testkit import write_files

BUNDLE = """\
bundle:
  name: shared
sync:
  paths:
    - .
    - ../common
  exclude:
    - "**/*.tmp"
resources:
  jobs:
    train:
      name: train
      tasks:
        - task_key: t
          spark_python_task:
            python_file: ./train.py
targets:
  local:
    default: true
    workspace:
      host: local
"""


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "BUNDLE_"))}
    env.update(NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_shared_code_outside_the_bundle_is_synced(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "project/databricks.yml": BUNDLE,
        "project/train.py": "import utils\n",
        "project/scratch.tmp": "x",
        "common/utils.py": "VALUE = 1\n",
        "elsewhere/secret.py": "no\n",
    })
    project = tmp_path / "project"
    validate = _cli(project, "validate", "-o", "json")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    data = json.loads(validate.stdout)
    file_path = data["workspace"]["file_path"]
    task = data["resources"]["jobs"]["train"]["tasks"][0]
    assert task["spark_python_task"]["python_file"] == f"{file_path}/project/train.py"

    plan = _cli(project, "plan", "-o", "json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    uploads = set(json.loads(plan.stdout)["files"]["upload"])
    assert {"common/utils.py", "project/train.py", "project/databricks.yml"} <= uploads
    assert not {"project/scratch.tmp", "elsewhere/secret.py"} & uploads

    deploy = _cli(project, "deploy", "--auto-approve")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    files = project / ".mlops-stacks" / "local" / "files"
    assert (files / "common" / "utils.py").read_text() == "VALUE = 1\n"
    assert (files / "project" / "train.py").is_file()
