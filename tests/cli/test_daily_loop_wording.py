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


def test_runs_logs_point_at_project_files_and_plan_marks_changed_files(tmp_path: Path) -> None:
    import json

    project = make_project(tmp_path / "demo")
    (project / "training" / "helper.py").write_text('def fail():\n    raise ValueError("boom")\n')
    (project / "training" / "notebooks" / "Train.py").write_text(
        "# Databricks notebook source\nimport os, sys\n"
        "sys.path.insert(0, os.path.abspath('../..'))\n"
        "from training.helper import fail\nfail()\n")
    cli(project, "deploy", check=True)
    assert cli(project, "run", "train_job").returncode == 1
    [record] = json.loads(cli(project, "runs", "list", "-o", "json", check=True).stdout)
    logs = cli(project, "runs", "logs", record["run_id"], "Train", check=True)
    assert f'File "{project / "training" / "helper.py"}", line 2' in logs.stdout, logs.stdout
    assert ".mlops-stacks" not in logs.stdout
    assert "the run used the deployed copy" in logs.stderr

    (project / "training" / "helper.py").write_text("def fail():\n    return None\n")
    (project / "training" / "new.py").write_text("X = 1\n")
    plan = cli(project, "plan", check=True).stdout.splitlines()
    assert "  ~ training/helper.py" in plan and "  + training/new.py" in plan, plan


def test_a_failed_connection_during_validate_says_nothing_about_deployment_state(
        tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "databricks.yml").write_text(
        "bundle:\n  name: demo\ntargets:\n  dev:\n    default: true\n    workspace:\n"
        f"      host: https://127.0.0.1:{port}\n")
    env = {"DATABRICKS_TOKEN": "dapi-test", "DATABRICKS_HOST": ""}
    checked = cli(tmp_path, "--http-deadline", "2", "validate", env=env)
    assert checked.returncode == 1 and "cannot connect" in checked.stderr, checked.stderr
    assert "Deployment state" not in checked.stderr
    deployed = cli(tmp_path, "--http-deadline", "2", "deploy", "--auto-approve", env=env)
    assert deployed.returncode == 1
    assert "Deployment state records every change applied so far" in deployed.stderr
