"""A secret never shows: not in any output (text or JSON, with or without --debug), not in
any file under .mlops-stacks/. Its change is still noticed by ``plan``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.bundle_project import DATABRICKS_YML, cli

SECRET = "Hunter2-s3cr3t-Value"
NEW_SECRET = "Other-s3cr3t-Value-9"

BUNDLE = DATABRICKS_YML.replace("include:\n  - resources/*.yml\n", """\
variables:
  pw:
    description: The database password
    sensitive: true
  plain:
    default: visible-value
""") + """\
resources:
  experiments:
    experiment:
      name: /Users/${workspace.current_user.userName}/sweep-experiment
      tags:
        - key: api_token
          value: ${var.pw}
  jobs:
    train_job:
      name: sweep-train
      tags:
        api_token: ${var.pw}
        owner: ${var.plain}
      parameters:
        - name: db_password
          default: ${var.pw}
        - name: connection
          default: "user:${var.pw}@db"
        - name: env
          default: ${var.plain}
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: training/notebooks/Train.py
    score_job:
      name: sweep-score
      tasks:
        - task_key: Score
          notebook_task:
            notebook_path: scoring/notebooks/Score.py
            base_parameters:
              secret_ref: "{{secrets/my_scope/db_password}}"
"""


def _sweep(outputs: list[str], root: Path, *secrets: str) -> None:
    for secret in secrets:
        for text in outputs:
            assert secret not in text, text
        for path in (root / ".mlops-stacks").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


@pytest.mark.slow
def test_a_sensitive_variable_never_shows(project: Path) -> None:
    (project / "databricks.yml").write_text(BUNDLE)
    env = {"BUNDLE_VAR_pw": SECRET}
    outputs: list[str] = []

    def run(*args: str, expect: int = 0, var_env: dict[str, str] | None = None) -> str:
        for debug in ((), ("--debug",)):
            proc = cli(project, *debug, *args, env=var_env or env)
            outputs.extend([proc.stdout, proc.stderr])
            assert proc.returncode == expect, proc.stdout + proc.stderr
        return proc.stdout + proc.stderr

    text = run("validate", "-o", "json")
    assert "{{secrets/my_scope/db_password}}" in text  # secret references pass through
    assert "visible-value" in text
    run("validate")
    run("plan")
    run("deploy", "--auto-approve")
    run("plan", "-o", "json")
    run("run", "train_job", "-o", "json")
    run("runs", "list", "-o", "json")
    run("runs", "list")
    run("summary", "-o", "json")
    run("summary")
    _sweep(outputs, project, SECRET)

    # passing the value with --var works the same
    run("plan", "--var", f"pw={SECRET}", var_env={"BUNDLE_VAR_plain": "x"})
    # a run with another value than the deployed one is refused, without showing either
    run("run", "train_job", expect=1, var_env={"BUNDLE_VAR_pw": NEW_SECRET})
    assert "is not the one deployed" in outputs[-1]

    # a change of the secret is noticed: plan shows the job and the experiment as changed
    changed = run("plan", "-o", "json", var_env={"BUNDLE_VAR_pw": NEW_SECRET})
    import json

    plan = json.loads(outputs[-2])
    updated = {a["key"] for a in plan["actions"] if a["action"] == "update"}
    assert {"train_job", "experiment"} <= updated, changed
    run("deploy", "--auto-approve", var_env={"BUNDLE_VAR_pw": NEW_SECRET})
    run("plan", "-o", "json", var_env={"BUNDLE_VAR_pw": NEW_SECRET})
    unchanged = json.loads(outputs[-2])
    assert unchanged["summary"]["change"] == 0
    _sweep(outputs, project, SECRET, NEW_SECRET)
