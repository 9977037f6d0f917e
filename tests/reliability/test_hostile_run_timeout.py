"""``run --timeout`` and the job's ``timeout_seconds`` bound the wait for a run.

On Databricks, a workspace whose ``runs/get`` answers RUNNING forever no longer
holds ``run`` forever: the wait stops at ``--timeout``, or at the job's
``timeout_seconds`` plus a grace of ten polls. On the local workspace the run
itself is stopped (its task processes too) and fails as timed out.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.databricks.test_databricks_deploy import make_project
from tests.reliability.hostile_server import PRELOAD, HostileDatabricks, cli_env, run_cli

SLACK = 8.0


def test_a_run_that_never_ends_on_databricks_stops_the_wait_at_the_timeout(
    tmp_path: Path, hostile: HostileDatabricks
) -> None:
    project = make_project(tmp_path / "demo", hostile.url)
    resources = project / "resources" / "resources.yml"
    resources.write_text(
        resources.read_text().replace(
            "      name: ${bundle.target}-demo-score\n",
            "      name: ${bundle.target}-demo-score\n      timeout_seconds: 1\n",
        )
    )
    (tmp_path / "home").mkdir()
    env = cli_env(hostile, tmp_path / "home")
    assert run_cli(["deploy", "-t", "staging", "--auto-approve"], project, env).code == 0
    hostile.run_polls_to_finish = 10**9  # runs/get answers RUNNING forever

    flag = run_cli(["run", "train_job", "-t", "staging", "--timeout", "1"], project, env)
    assert flag.code == 1, flag.output
    assert "Traceback" not in flag.output
    assert "Stopped waiting for run" in flag.output
    assert "after 1 s (--timeout): the workspace still reports it RUNNING" in flag.output
    assert flag.seconds < 1 + SLACK, flag.seconds

    job = run_cli(["run", "score_job", "-t", "staging"], project, env)
    assert job.code == 1, job.output
    assert "after 1.5 s (the job's timeout_seconds)" in job.output
    assert job.seconds < 1.5 + SLACK, job.seconds


LOCAL_BUNDLE = """\
bundle:
  name: sleepy
targets:
  local:
    default: true
    workspace:
      host: local
resources:
  jobs:
    sleepy_job:
      name: sleepy
      tasks:
        - task_key: Sleep
          spark_python_task:
            python_file: ./sleep.py
    limited_job:
      name: limited
      timeout_seconds: 1
      tasks:
        - task_key: Sleep
          spark_python_task:
            python_file: ./sleep.py
"""


@pytest.mark.slow  # the local runner and its MLflow store
def test_a_local_run_is_stopped_at_the_timeout_and_fails_as_timed_out(tmp_path: Path) -> None:
    project = tmp_path / "sleepy"
    project.mkdir()
    (project / "databricks.yml").write_text(LOCAL_BUNDLE)
    (project / "sleep.py").write_text(
        "import os, pathlib, sys, time\n"
        "pathlib.Path(sys.argv[0]).with_name(f'task-{os.getpid()}.pid').touch()\n"
        "time.sleep(120)\n"
    )
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (tmp_path / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "MLOPS_"))}
    env.update(HOME=str(tmp_path / "home"), NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1")

    preload = (*PRELOAD, "mlops_stacks.runner", "mlops_stacks.workspace.local", "mlflow")
    flag = run_cli(["run", "sleepy_job", "--deploy", "--timeout", "2", "-o", "json"], project,
                   env, preload=preload)  # fmt: skip
    assert flag.code == 1, flag.output
    record = json.loads(flag.stdout)
    assert record["state"] == "FAILED"
    assert record["error"] == "the run timed out after 2 s (--timeout)"
    assert "Traceback" not in flag.output
    assert flag.seconds < 2 + 2 * SLACK, flag.seconds
    pids = [int(p.stem.split("-")[1]) for p in project.rglob("task-*.pid")]
    assert pids, "the task never started"
    for pid in pids:  # the task process was stopped with its run
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)

    job = run_cli(["run", "limited_job"], project, env)
    assert job.code == 1, job.output
    assert "the run timed out after 1 s (the job's timeout_seconds)" in job.output
