"""What the CLI says in the cases users tripped over, through the real CLI."""

from __future__ import annotations

import json
import os
import pty
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.deploy.bundle_project import cli, make_project

BRANCH_YML = """\
resources:
  jobs:
    branch_job:
      name: branch
      tasks:
        - task_key: Check
          condition_task: {op: EQUAL_TO, left: "1", right: "2"}
        - task_key: Deploy
          depends_on:
            - task_key: Check
              outcome: "true"
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
"""

SLOW = "# Databricks notebook source\nimport time\ntime.sleep(2.5)\nprint('done')\n"


def test_undeployed_job_unknown_job_and_a_branch_not_taken(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    (project / "resources" / "branch.yml").write_text(BRANCH_YML)

    undeployed = cli(project, "run", "train_job")
    assert undeployed.returncode == 1
    assert "Job 'train_job' is not deployed to target 'local'" in undeployed.stderr
    assert "after adding it to the bundle" not in undeployed.stderr
    assert "mlops-stacks run train_job -t local --deploy" in undeployed.stderr

    nope = cli(project, "runs", "list", "nope_job")
    assert nope.returncode == 1 and "No runs yet" not in nope.stdout
    assert "No job 'nope_job' in bundle 'demo'" in nope.stderr
    assert "Jobs in this bundle: branch_job, score_job, train_job." in nope.stderr
    empty = cli(project, "runs", "list", "train_job", check=True).stdout
    assert "No runs of job train_job on target local yet" in empty

    ran = cli(project, "run", "branch_job", "--deploy", check=True).stdout
    assert "Deploy  EXCLUDED  branch not taken: condition Check was false" in ran
    assert "not run" not in ran


def test_progress_lines_off_a_terminal(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    (project / "training" / "notebooks" / "Train.py").write_text(SLOW)
    cli(project, "deploy", check=True)
    out = cli(project, "run", "train_job", env={"MLOPS_STACKS_PROGRESS_SECONDS": "0.5"},
              check=True).stdout
    lines = out.splitlines()
    progress = [line for line in lines if line.startswith("  Train  RUNNING  ")]
    assert len(progress) >= 2, out  # a proof of life while the task runs
    assert lines.index(progress[-1]) < lines.index(next(
        line for line in lines if line.startswith("  Train  SUCCESS")))


def test_destroy_takes_the_jobs_runs_with_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    cli(project, "run", "train_job", "--deploy", check=True)
    assert json.loads(cli(project, "runs", "list", "-o", "json", check=True).stdout)
    cli(project, "destroy", "--auto-approve", check=True)
    assert json.loads(cli(project, "runs", "list", "-o", "json", check=True).stdout) == []


def test_runs_list_shows_the_newest_runs_and_says_when_older_ones_exist(tmp_path: Path) -> None:
    from mlops_stacks.runner import RunRecord

    project = make_project(tmp_path / "demo", ml_artifacts=False)
    cli(project, "deploy", check=True)
    runs = project / ".mlops-stacks" / "local" / "runs"
    ids = [f"20261206-12{i // 60:02d}{i % 60:02d}-{i:06x}" for i in range(40)]
    for i, run_id in enumerate(ids):
        RunRecord(run_id=run_id, job_key="train_job", state="SUCCESS",
                  start_time=1e9 + i, end_time=1e9 + i + 3).save(runs)
    listed = cli(project, "runs", "list", check=True)
    lines = listed.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines[1:]] == ids[:-26:-1]  # the 25 newest
    assert "Older runs are not shown: --limit 100 shows more, --limit 0 all." in listed.stderr
    few = cli(project, "runs", "list", "train_job", "-n", "3", "-o", "json", check=True)
    assert [r["run_id"] for r in json.loads(few.stdout)] == ids[:-4:-1]
    every = cli(project, "runs", "list", "--limit", "0", "-o", "json", check=True)
    assert len(json.loads(every.stdout)) == 40 and "Older runs" not in every.stderr
    assert cli(project, "runs", "list", "--limit", "-1").returncode == 2


def test_ctrl_c_at_a_prompt_says_interrupted_on_its_own_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    cli(project, "deploy", check=True)
    env = {k: v for k, v in os.environ.items() if k != "MLOPS_STACKS_NO_INPUT"}
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mlops_stacks", "destroy"], cwd=project,
                            stdin=slave, stdout=slave, stderr=slave,
                            env={**env, "TERM": "dumb", "NO_COLOR": "1"})
    os.close(slave)
    sel = selectors.DefaultSelector()
    sel.register(master, selectors.EVENT_READ)
    output = b""
    deadline = time.monotonic() + 60
    sent = False
    next_signal = None
    while time.monotonic() < deadline:
        if next_signal is None and b"Destroy target local?" in output:
            # A person presses Ctrl-C once the prompt waits. A signal that lands between the
            # prompt's write and the read it then blocks in only takes effect when the read
            # returns (CPython's input()); on a busy machine that window is wide, so press
            # again if the first one was lost there.
            next_signal = time.monotonic() + 1.0
        if next_signal is not None and time.monotonic() >= next_signal:
            proc.send_signal(signal.SIGINT)  # what Ctrl-C at the terminal sends
            sent, next_signal = True, time.monotonic() + 5.0
        if sel.select(timeout=0.2):
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    assert sent, text
    assert proc.returncode == 130
    assert "\nInterrupted.\n" in text and "Error: Interrupted" not in text, text


def test_a_placeholder_host_is_named_in_plain_words(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    yml = project / "databricks.yml"
    yml.write_text(yml.read_text() + "  staging:\n    workspace:\n"
                   "      host: https://adb-1111111111111111.11.azuredatabricks.net\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "ARM_"))}
    env["DATABRICKS_CONFIG_FILE"] = str(tmp_path / "no-databrickscfg")
    proc = subprocess.run([sys.executable, "-m", "mlops_stacks", "plan", "-t", "staging"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "adb-1111111111111111.11.azuredatabricks.net" in proc.stderr
    assert "HTTPSConnectionPool" not in proc.stderr and "Traceback" not in proc.stderr
