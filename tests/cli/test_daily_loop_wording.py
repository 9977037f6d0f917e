"""Daily-loop messages through the real CLI: each says what is wrong and a fix that works."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.bundle_project import cli, make_project


def test_a_misspelt_task_type_is_named_instead_of_sending_the_user_to_databricks(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    jobs = project / "resources" / "jobs-resource.yml"
    jobs.write_text(jobs.read_text().replace(
        "notebook_task:\n            notebook_path: ../scoring",
        "notebok_task:\n            notebook_path: ../scoring"))
    cli(project, "deploy", check=True)
    run = cli(project, "run", "score_job")
    assert run.returncode == 1, run.stderr
    assert "resources/jobs-resource.yml:15" in run.stderr  # the warning locates the field
    assert ("Task 'Score' of job 'score_job' has nothing to run: its field 'notebok_task' "
            'is not a task type (did you mean "notebook_task"?)') in run.stderr
    assert "Databricks target" not in run.stderr and "Traceback" not in run.stderr
