"""RunValidators: the schema and semantic checks run on the resolved tree."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps import validate
from mlops_stacks.bundle.steps.validate import RunValidators
from tests.bundle.bundle_testkit import targeted

JOB = """
bundle:
  name: demo
resources:
  jobs:
    train:
      name: train
      tasks:
        - task_key: Train
          run_if: all_success
          notebook_task: {notebook_path: /Workspace/x}
"""


def test_schema_problems_are_reported_at_their_location(tmp_path: Path) -> None:
    ctx, diags = targeted(tmp_path, {"databricks.yml": JOB})
    diags = RunValidators().apply(ctx)
    errors = [d for d in diags.warnings if d.path == "resources.jobs.train.tasks[0].run_if"]
    assert errors, diags
    assert errors[0].location.line == 9


def test_a_clean_tree_has_no_findings(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": JOB.replace("all_success", "ALL_SUCCESS")})
    assert not RunValidators().apply(ctx)


def test_absent_validator_modules_are_skipped() -> None:
    assert validate._load("mlops_stacks.bundle.no_such_module", "check") is None
