"""Ctrl-C stops the task processes, marks the run CANCELED and leaves no process behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlops_stacks.runner import cancel_run, load_run, start_detached
from tests.runner.conftest import FILES, Project, notebook_task

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals")

SLEEPER = """
import os, pathlib, time
pathlib.Path({pid_file!r}).write_text(str(os.getpid()))
time.sleep(120)
"""

RUNNER_SCRIPT = """
import json, sys
from pathlib import Path
from mlops_stacks.runner import run_job

root, runs, files = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
job = json.loads(sys.argv[4])
try:
    run_job(job, job_key="job", runs_dir=runs, env={},
            resolve_path=lambda p: root / p[len(files) + 1:])
except KeyboardInterrupt:
    print("interrupted")
    sys.exit(130)
"""


def _wait_for(path: Path, proc: subprocess.Popen | None = None, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the runner ended early: {proc.communicate()[0]}")
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        status = Path(f"/proc/{pid}/status")
        if status.exists() and "zombie" in status.read_text():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_cancels_the_run_and_stops_the_task(
    project: Project, tmp_path: Path, sig: signal.Signals
) -> None:
    pid_file = tmp_path / "task.pid"
    nb = project.notebook("n/notebooks/Sleep", SLEEPER.format(pid_file=str(pid_file)))
    after = project.notebook("n/notebooks/After", "print('never')")
    job = {"tasks": [notebook_task("Sleep", nb), notebook_task("After", after, ["Sleep"])]}
    script = tmp_path / "runner.py"
    script.write_text(textwrap.dedent(RUNNER_SCRIPT), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(project.root), str(project.runs_dir), FILES,
         json.dumps(job)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    task_pid = int(_wait_for(pid_file, proc))
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "interrupted" in out
    assert _gone(task_pid), "the task process outlived the canceled run"

    (run_dir,) = [p for p in project.runs_dir.iterdir() if not p.name.startswith(".")]
    record = load_run(project.runs_dir, run_dir.name)
    assert record.state == "CANCELED"
    assert record.tasks["Sleep"].state == "CANCELED"
    assert record.tasks["After"].state == "CANCELED"
    assert record.end_time is not None
    assert "canceled" in Path(record.tasks["Sleep"].log_path or "").read_text()


def test_detached_run_finishes_in_the_background(project: Project) -> None:
    nb = project.notebook("n/notebooks/Quick", "dbutils.notebook.exit('bg')")
    run_id = start_detached(
        {"tasks": [notebook_task("Q", nb)]},
        job_key="job",
        runs_dir=project.runs_dir,
        resolve_path=project.resolve,
        env={},
    )
    deadline = time.monotonic() + 30
    while (record := load_run(project.runs_dir, run_id)).state not in ("SUCCESS", "FAILED"):
        assert time.monotonic() < deadline, record
        time.sleep(0.1)
    assert record.state == "SUCCESS"
    assert record.tasks["Q"].result == "bg"
    assert record.pid != os.getpid()


def test_detached_run_can_be_canceled(project: Project, tmp_path: Path) -> None:
    pid_file = tmp_path / "task.pid"
    nb = project.notebook("n/notebooks/Sleep", SLEEPER.format(pid_file=str(pid_file)))
    run_id = start_detached(
        {"tasks": [notebook_task("S", nb)]},
        job_key="job",
        runs_dir=project.runs_dir,
        resolve_path=project.resolve,
        env={},
    )
    task_pid = int(_wait_for(pid_file))
    cancel_run(project.runs_dir, run_id)
    deadline = time.monotonic() + 30
    while (record := load_run(project.runs_dir, run_id)).state != "CANCELED":
        assert time.monotonic() < deadline, record
        time.sleep(0.1)
    assert record.tasks["S"].state == "CANCELED"
    assert _gone(task_pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and process groups")
def test_a_task_stopped_by_sigterm_takes_what_it_started_with_it(tmp_path: Path) -> None:
    """Without a runner to clean up after it (the runner died, however its death was
    noticed), a task that SIGTERM ends leaves none of its processes behind."""
    script = tmp_path / "job.py"
    script.write_text(
        "import pathlib, subprocess, sys, time\n"
        "child = subprocess.Popen(['sleep', '120'])\n"
        "pathlib.Path(sys.argv[1]).write_text(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    pid_file = tmp_path / "child.pid"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"kind": "python_file", "path": str(script),
                                "argv": [str(pid_file)]}))
    # This test process is its parent, and stays alive: only the SIGTERM tells the task.
    task = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks.runner.task_main", str(spec)],
        env={**os.environ, "MLOPS_STACKS_PARENT_PID": str(os.getpid())},
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline and task.poll() is None, "the task did not start"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        os.kill(task.pid, signal.SIGTERM)  # the task alone, as the kernel does for a parent death
        assert task.wait(30) == 130  # canceled
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child}").exists() and "Z" not in _proc_state(child):
            assert time.monotonic() < deadline, "the task's child outlived it"
            time.sleep(0.05)
    finally:
        if task.poll() is None:
            os.killpg(task.pid, signal.SIGKILL)
            task.wait()
        with contextlib.suppress(OSError):
            os.killpg(task.pid, signal.SIGKILL)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
