"""Runs survive kills: SIGKILL of ``mlops-stacks run`` leaves no process behind, the next
command that reads the run closes it INTERNAL_ERROR, and the next run works. Also:
``runs cancel``, and deploy/destroy while a run of the target is going on."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, make_project, start_cli
from tests.runner.test_forkserver import alive, descendants, wait_gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and signals"),
]

JOB_YML = """\
resources:
  jobs:
    kill_job:
      name: ${bundle.target}-kill-job
      parameters:
        - name: first_sleep
          default: "120"
        - name: second_sleep
          default: "120"
      tasks:
        - task_key: First
          notebook_task:
            notebook_path: ../training/notebooks/First.py
        - task_key: Second
          depends_on:
            - task_key: First
          notebook_task:
            notebook_path: ../training/notebooks/Second.py
"""

SLEEPER = """# Databricks notebook source
import os, pathlib, subprocess, time
seconds = float(dbutils.widgets.get("{param}"))
if seconds:
    child = subprocess.Popen(["sleep", str(int(seconds))])  # something the task started
    pathlib.Path(os.environ["PID_DIR"], "{name}.pid").write_text(f"{{os.getpid()}} {{child.pid}}")
    time.sleep(seconds)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "demo", ml_artifacts=False)
    (root / "resources" / "jobs-resource.yml").write_text(JOB_YML)
    notebooks = root / "training" / "notebooks"
    (notebooks / "First.py").write_text(SLEEPER.format(param="first_sleep", name="First"))
    (notebooks / "Second.py").write_text(SLEEPER.format(param="second_sleep", name="Second"))
    cli(root, "deploy", "--auto-approve", check=True)
    return root


def _wait(condition, what: str, seconds: float = 90) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _runs(project: Path) -> list[dict]:
    return json.loads(cli(project, "runs", "list", "kill_job", "-o", "json", check=True).stdout)


def _raw_record(project: Path) -> dict:
    runs = project / ".mlops-stacks" / "local" / "runs"
    (run,) = [p for p in runs.iterdir() if not p.name.startswith(".")]  # .active: the index
    return json.loads((run / "run.json").read_text())


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _slow_preload(project: Path, tmp_path: Path) -> dict[str, str]:
    """The fork server's preload takes 60 s: a learned module that sleeps on import."""
    lib = tmp_path / "slowlib"
    lib.mkdir()
    (lib / "slow_to_import.py").write_text("import time\ntime.sleep(60)\n")
    learned = project / ".mlops-stacks" / "local" / "preload" / "kill_job.json"
    learned.parent.mkdir(parents=True, exist_ok=True)
    learned.write_text(json.dumps({"python": sys.executable, "modules": ["slow_to_import"]}))
    return {"PYTHONPATH": str(lib)}


@pytest.mark.parametrize("point", ["preloading", "forked_task", "fresh_second_task"])
def test_sigkill_of_run_leaves_no_process_and_the_run_closes(
    project: Path, tmp_path: Path, point: str
) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    env = {"PID_DIR": str(pid_dir)}
    if point == "preloading":
        env.update(_slow_preload(project, tmp_path))
    if point == "fresh_second_task":
        env["MLOPS_STACKS_START_METHOD"] = "spawn"
    proc = start_cli(project, "run", "kill_job", "--params", "first_sleep=120,second_sleep=120"
                     if point != "fresh_second_task" else "first_sleep=0,second_sleep=120", env=env)
    try:
        if point == "preloading":
            _wait(lambda: any("forkserver" in _cmdline(p) for p in descendants(proc.pid)),
                  "the fork server")
            # It starts before the run is planned (prestart): wait for the run's record.
            runs = project / ".mlops-stacks" / "local" / "runs"
            _wait(lambda: any(runs.glob("*/run.json")), "the run's record")
            time.sleep(1.0)  # inside its 60 s import
            assert not (pid_dir / "First.pid").exists()
        else:
            name = "First" if point == "forked_task" else "Second"
            _wait(lambda: (pid_dir / f"{name}.pid").exists(), f"task {name}")
        below = descendants(proc.pid)
        assert below, "the run has no processes to leave behind"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    left = wait_gone(below)
    assert not left, f"orphans left by the killed run: {[(p, _cmdline(p)) for p in left]}"

    assert _raw_record(project)["state"] == "RUNNING"  # nothing closed it yet
    (record,) = _runs(project)  # the next command that reads it closes it
    assert record["state"] == "INTERNAL_ERROR"
    assert record["error"] == "the run's process ended"
    assert all(t["state"] in ("SUCCESS", "CANCELED") for t in record["tasks"])
    got = json.loads(cli(project, "runs", "get", record["run_id"], "-o", "json").stdout)
    assert got["state"] == "INTERNAL_ERROR"

    again = cli(project, "run", "kill_job", "--params", "first_sleep=0,second_sleep=0",
                env={"PID_DIR": str(pid_dir)})
    assert again.returncode == 0, again.stdout + again.stderr


def test_runs_cancel_and_deploy_or_destroy_during_a_run(project: Path, tmp_path: Path) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    env = {"PID_DIR": str(pid_dir)}
    started = cli(project, "run", "kill_job", "--no-wait", "-o", "json", env=env, check=True)
    run_id = json.loads(started.stdout)["run_id"]
    _wait(lambda: (pid_dir / "First.pid").exists(), "task First")
    task_pid, grandchild = (int(p) for p in (pid_dir / "First.pid").read_text().split())

    deployed = cli(project, "deploy", "--auto-approve")
    assert deployed.returncode == 0, deployed.stderr
    assert f"A run of target local is going on ({run_id} of kill_job)" in deployed.stderr

    refused = cli(project, "destroy", "--auto-approve")
    assert refused.returncode == 1
    assert "A run of target local is going on" in refused.stderr
    assert f"mlops-stacks runs cancel {run_id}" in refused.stderr
    assert (project / ".mlops-stacks" / "local" / "files" / "training").is_dir()

    canceled = cli(project, "runs", "cancel", run_id)
    assert canceled.returncode == 0, canceled.stderr
    assert f"Run {run_id} of kill_job: CANCELED." in canceled.stdout
    record = json.loads(cli(project, "runs", "get", run_id, "-o", "json", check=True).stdout)
    assert record["state"] == "CANCELED"
    assert [t["state"] for t in record["tasks"]] == ["CANCELED", "CANCELED"]
    assert not wait_gone({task_pid, grandchild})
    again = cli(project, "runs", "cancel", run_id)
    assert "had already ended: CANCELED" in again.stdout

    assert cli(project, "destroy", "--auto-approve").returncode == 0


def test_runs_cancel_stops_a_run_another_terminal_follows(project: Path, tmp_path: Path
                                                          ) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    proc = start_cli(project, "run", "kill_job", env={"PID_DIR": str(pid_dir)})
    try:
        _wait(lambda: (pid_dir / "First.pid").exists(), "task First")
        (run,) = _runs(project)
        task_pid = int((pid_dir / "First.pid").read_text().split()[0])
        assert alive(task_pid)
        out = cli(project, "runs", "cancel", run["run_id"], "-o", "json")
        assert json.loads(out.stdout)["state"] == "CANCELED"
        assert proc.wait(timeout=30) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert not wait_gone({task_pid})



def test_run_debug_says_how_tasks_started(project: Path, tmp_path: Path) -> None:
    quick = "first_sleep=0,second_sleep=0"
    forked = cli(project, "--debug", "run", "kill_job", "--params", quick, check=True)
    assert "Tasks started by: fork server (pid " in forked.stdout
    fresh = cli(project, "--debug", "run", "kill_job", "--params", quick, check=True,
                env={"MLOPS_STACKS_START_METHOD": "spawn"})
    assert "Tasks started by: fresh processes (MLOPS_STACKS_START_METHOD=spawn)" in fresh.stdout
