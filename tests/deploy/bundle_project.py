"""A small bundle project in a real git repo, and ways to run the real CLI on it.

Imported by the deploy tests (``from tests.deploy.bundle_project import ...``); the fixtures
that use it are in ``conftest.py``.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

DATABRICKS_YML = """\
bundle:
  name: demo
include:
  - resources/*.yml
targets:
  local:
    default: true
    workspace:
      host: local
"""

ML_ARTIFACTS_YML = """\
resources:
  experiments:
    experiment:
      name: /Users/${workspace.current_user.userName}/${bundle.target}-demo-experiment
  registered_models:
    model:
      name: ${bundle.target}-demo-model
      catalog_name: main
      schema_name: ml
      comment: Demo model
"""

JOBS_YML = """\
resources:
  jobs:
    train_job:
      name: ${bundle.target}-demo-train
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
            base_parameters:
              env: ${bundle.target}
    score_job:
      name: ${bundle.target}-demo-score
      tasks:
        - task_key: Score
          notebook_task:
            notebook_path: ../scoring/notebooks/Score.py
"""


def make_project(root: Path, *, ml_artifacts: bool = True) -> Path:
    """A bundle with two jobs (plus an experiment and a registered model), in a git repo."""
    files = {
        "databricks.yml": DATABRICKS_YML,
        "resources/ml-artifacts-resource.yml": ML_ARTIFACTS_YML,
        "resources/jobs-resource.yml": JOBS_YML,
        "training/notebooks/Train.py": "# Databricks notebook source\nprint('train')\n",
        "scoring/notebooks/Score.py": "# Databricks notebook source\nprint('score')\n",
        "training/__init__.py": "",
        "data/sample.csv": "a,b\n1,2\n",
        ".gitignore": ".mlops-stacks/\n*.log\n__pycache__/\n",
        "debug.log": "not synced\n",
    }
    if not ml_artifacts:
        del files["resources/ml-artifacts-resource.yml"]
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def cli(project: Path, *args: str, env: dict[str, str] | None = None,
        check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``mlops-stacks ARGS`` in ``project`` as a user would, capturing output."""
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", *args], cwd=project, text=True,
        capture_output=True, env={**os.environ, **(env or {})}, timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"mlops-stacks {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def start_cli(project: Path, *args: str, env: dict[str, str] | None = None
              ) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", *args], cwd=project, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
    )


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 120) -> str:
    """Read ``proc``'s stderr until a line contains ``needle``; return what was read."""
    assert proc.stderr is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sel.select(timeout=0.5):
            if proc.poll() is not None:
                break
            continue
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"never saw {needle!r}; stderr so far:\n{''.join(seen)}")


def store_names(project: Path, target: str = "local") -> tuple[list[str], list[str]]:
    """(experiment names incl. deleted ones, registered model names) in the target's store."""
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    uri = f"sqlite:///{project / '.mlops-stacks' / target / 'mlflow' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    exps = [e.name for e in client.search_experiments(view_type=ViewType.ALL)
            if e.name != "Default"]
    models = [m.name for m in client.search_registered_models()]
    return exps, models


def cli_with_terminal(project: Path, *args: str, answers: dict[str, str],
                      timeout: float = 300) -> tuple[int, str]:
    """Run ``mlops-stacks ARGS`` on a pseudo-terminal, answering prompts.

    ``answers`` maps a prompt's text to what to type. Returns (exit code, output).
    """
    import pty

    env = {k: v for k, v in os.environ.items() if k != "MLOPS_STACKS_NO_INPUT"}
    env.update({"TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "200"})
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mlops_stacks", *args], cwd=project,
                            stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output = b""
    pending = dict(answers)
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(master, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if sel.select(timeout=0.5):
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                for prompt in list(pending):
                    if prompt.encode() in output:
                        os.write(master, pending.pop(prompt).encode() + b"\n")
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, output.decode("utf-8", "replace")
