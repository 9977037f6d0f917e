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
    # The reason once, in plain words, with the task and its log file; no traceback.
    assert out.count("ValueError: column fare_amount has no values") == 1
    assert "Error: Task Fit of pipeline_job failed: ValueError: column fare_amount" in out
    log = project / ".mlops-stacks" / "local" / "runs"
    assert "Log: " + str(log) in out and "Fit.log" in out
    assert "Traceback" not in out and "fitting on column fare_amount" not in out
    assert "published" not in out
    assert "mlops-stacks runs logs" in result.stderr

    listed = cli(project, "runs", "list", "pipeline_job", check=True).stdout
    assert "FAILED" in listed
    run_id = listed.splitlines()[1].split("\t")[0]

    # The whole log, traceback included, through runs logs; the tail on screen with --debug.
    logs = cli(project, "runs", "logs", run_id, "Fit", check=True).stdout
    assert "fitting on column fare_amount" in logs and "Traceback" in logs
    assert "prepared 42 rows" not in logs
    both = cli(project, "runs", "logs", run_id, check=True).stdout
    assert "==> Prepare <==" in both and "prepared 42 rows" in both
    missing = cli(project, "runs", "logs", run_id, "Fitt")
    assert missing.returncode == 1 and 'Did you mean "Fit"' in missing.stderr
    debug = cli(project, "--debug", "run", "pipeline_job")
    assert "fitting on column fare_amount" in debug.stdout + debug.stderr
