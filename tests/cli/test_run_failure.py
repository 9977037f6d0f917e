"""A failing task through the real ``run`` command on the local workspace: exit 1, the
downstream task shows as skipped, and the end of the failed task's log is printed."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.bundle_project import cli, make_project

PIPELINE_YML = """\
resources:
  jobs:
    pipeline_job:
      name: ${bundle.target}-demo-pipeline
      tasks:
        - task_key: Prepare
          notebook_task:
            notebook_path: ../training/notebooks/Prepare.py
        - task_key: Fit
          depends_on:
            - task_key: Prepare
          notebook_task:
            notebook_path: ../training/notebooks/Fit.py
        - task_key: Publish
          depends_on:
            - task_key: Fit
          notebook_task:
            notebook_path: ../training/notebooks/Publish.py
"""

NOTEBOOKS = {
    "Prepare.py": "# Databricks notebook source\nprint('prepared 42 rows')\n",
    "Fit.py": (
        "# Databricks notebook source\n"
        "print('fitting on column fare_amount')\n"
        "raise ValueError('column fare_amount has no values')\n"
    ),
    "Publish.py": "# Databricks notebook source\nprint('published')\n",
}


def test_failed_task_fails_the_run_skips_dependents_and_prints_its_log(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    (project / "resources" / "jobs-resource.yml").write_text(PIPELINE_YML)
    for name, text in NOTEBOOKS.items():
        (project / "training" / "notebooks" / name).write_text(text)
    cli(project, "deploy", "--auto-approve", check=True)

    result = cli(project, "run", "pipeline_job")
    out = result.stdout + result.stderr

    assert result.returncode == 1, out
    assert "Prepare  SUCCESS" in out
    assert "Fit  FAILED" in out
    assert "Publish  SKIPPED" in out
    # The tail of the failed task's log, with what the task printed and its error.
    assert "fitting on column fare_amount" in out
    assert "ValueError: column fare_amount has no values" in out
    assert "published" not in out
    # One clear closing error line naming the run and how to inspect it.
    assert "Error: Run " in result.stderr and "failed" in result.stderr
    assert "mlops-stacks runs get" in result.stderr

    listed = cli(project, "runs", "list", "pipeline_job", check=True).stdout
    assert "FAILED" in listed
