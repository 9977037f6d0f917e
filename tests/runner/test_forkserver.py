"""Tasks forked from the run's fork server stay isolated; fresh processes remain the fallback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlops_stacks.runner import load_run
from mlops_stacks.runner.preload import learned_file
from tests.runner.conftest import FILES, Project, notebook_task

pytestmark = pytest.mark.skipif(os.name != "posix" or not hasattr(os, "fork"), reason="fork")


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc), found by parent links."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_gone(pids: set[int], seconds: float = 15) -> set[int]:
    deadline = time.monotonic() + seconds
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_a_module_global_set_by_one_task_does_not_reach_the_next(project: Project) -> None:
    project.file("n/notebooks/shared_state.py", "ITEMS = []\n")
    setter = project.notebook(
        "n/notebooks/Set",
        """
        import json, shared_state
        shared_state.ITEMS.append("from Set")
        json.LEAKED = "from Set"   # a module the fork server had imported
        GLOBAL_OF_SET = 1
        dbutils.notebook.exit("set")
        """,
    )
    reader = project.notebook(
        "n/notebooks/Read",
        """
        import json, shared_state
        dbutils.notebook.exit(repr((shared_state.ITEMS, hasattr(json, "LEAKED"),
                                    "GLOBAL_OF_SET" in globals())))
        """,
    )
    job = {"tasks": [notebook_task("Set", setter), notebook_task("Read", reader, ["Set"])]}
    record = project.run(job)
    assert record.state == "SUCCESS", record.error
    assert {t.start_method for t in record.tasks.values()} == {"fork"}, record.start_note
    assert record.tasks["Read"].result == "([], False, False)"
    assert record.tasks["Set"].pid != record.tasks["Read"].pid


def test_os_exit_fails_that_task_alone(project: Project) -> None:
    crash = project.notebook("n/notebooks/Crash", "import os\nprint('bye', flush=1)\nos._exit(3)")
    fine = project.notebook("n/notebooks/Fine", "dbutils.notebook.exit('still here')")
    after = project.notebook("n/notebooks/After", "dbutils.notebook.exit('after fine')")
    job = {
        "tasks": [
            notebook_task("Crash", crash),
            notebook_task("Fine", fine),
            notebook_task("After", after, ["Fine"]),
        ]
    }
    record = project.run(job)
    assert record.state == "FAILED"
    assert record.tasks["Crash"].state == "FAILED"
    assert record.tasks["Crash"].error == "the task process exited with status 3"
    assert record.tasks["Crash"].start_method == "fork"
    assert "bye" in project.log(record, "Crash")
    assert record.tasks["Fine"].state == "SUCCESS"
    assert record.tasks["After"].result == "after fine"


def test_sys_exit_and_an_exception_fail_their_task_with_the_usual_summary(project: Project) -> None:
    exits = project.notebook("n/notebooks/Exits", "import sys\nsys.exit(4)")
    raises = project.notebook("n/notebooks/Raises", "raise ValueError('bad value')")
    record = project.run({"tasks": [notebook_task("E", exits), notebook_task("R", raises)]})
    assert record.tasks["E"].error == "exited with status 4"
    assert record.tasks["R"].error == "ValueError: bad value"
    assert "Traceback" in project.log(record, "R")


def test_each_task_has_its_own_environment_directory_and_widgets(project: Project) -> None:
    one = project.notebook(
        "a/One",
        """
        import os
        os.environ["SET_BY_ONE"] = "1"
        dbutils.widgets.text("w", "default")
        dbutils.notebook.exit(os.getcwd() + "|" + os.environ["MLOPS_STACKS_TASK_KEY"]
                              + "|" + dbutils.widgets.get("w"))
        """,
    )
    two = project.notebook(
        "b/Two",
        """
        import os
        dbutils.widgets.text("w", "default")
        dbutils.notebook.exit(os.getcwd() + "|" + os.environ.get("SET_BY_ONE", "unset")
                              + "|" + dbutils.widgets.get("w"))
        """,
    )
    job = {
        "tasks": [
            notebook_task("One", one, base_parameters={"w": "given"}),
            notebook_task("Two", two, ["One"]),
        ]
    }
    record = project.run(job)
    assert record.tasks["One"].result == f"{project.root / 'a'}|One|given"
    assert record.tasks["Two"].result == f"{project.root / 'b'}|unset|default"


def test_the_setting_falls_back_to_fresh_processes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = project.notebook("n/notebooks/Pid", "import os\ndbutils.notebook.exit(str(os.getppid()))")
    monkeypatch.setenv("MLOPS_STACKS_START_METHOD", "spawn")
    record = project.run({"tasks": [notebook_task("P", nb)]})
    assert record.state == "SUCCESS", record.error
    assert record.tasks["P"].start_method == "spawn"
    assert record.tasks["P"].result == str(os.getpid())  # started by this process, not forked
    assert "MLOPS_STACKS_START_METHOD=spawn" in (record.start_note or "")
    monkeypatch.delenv("MLOPS_STACKS_START_METHOD")
    record = project.run({"tasks": [notebook_task("P", nb)]}, start_method="spawn")
    assert record.tasks["P"].start_method == "spawn"


def test_a_task_with_its_own_environment_starts_fresh(project: Project) -> None:
    nb = project.notebook("n/notebooks/Env", "print('env task')")
    job = {
        "environments": [{"environment_key": "own", "spec": {"dependencies": ["pytest"]}}],
        "tasks": [
            {**notebook_task("Own", nb), "environment_key": "own"},
            notebook_task("Shared", nb),
        ],
    }
    record = project.run(job)
    assert record.state == "SUCCESS", record.error
    assert record.tasks["Own"].start_method == "spawn"
    assert record.tasks["Shared"].start_method == "fork"


def test_no_fork_while_a_thread_is_alive_in_the_server(project: Project, tmp_path: Path) -> None:
    """A preloaded module that starts a thread makes forking unsafe: tasks start fresh."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "threaded_lib.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True, name='poller').start()\n"
    )
    learned = learned_file(project.runs_dir, "job")
    learned.parent.mkdir(parents=True, exist_ok=True)
    learned.write_text(json.dumps({"python": sys.executable, "modules": ["threaded_lib"]}))
    nb = project.notebook("n/notebooks/T", "dbutils.notebook.exit('ran')")
    record = project.run({"tasks": [notebook_task("T", nb)]}, env={"PYTHONPATH": str(lib)})
    assert record.state == "SUCCESS", record.error
    assert record.tasks["T"].start_method == "spawn"
    assert "threads alive: poller" in (record.start_note or "")


def test_the_next_run_preloads_what_the_tasks_imported(project: Project) -> None:
    nb = project.notebook("n/notebooks/Imp", "import fractions\nprint(fractions.Fraction(1, 3))")
    job = {"tasks": [notebook_task("I", nb)]}
    first = project.run(job)
    assert "libraries the job declares" in (first.start_note or "")
    learned = json.loads(learned_file(project.runs_dir, "job").read_text())["modules"]
    assert "fractions" in learned
    second = project.run(job)
    assert second.state == "SUCCESS"
    assert "used in the last run" in (second.start_note or "")

    other = project.notebook("n/notebooks/Other", "import colorsys")
    both = {"tasks": [notebook_task("I", nb), notebook_task("O", other)]}
    # A partial run (a fresh process, so nothing preloaded leaks into its report) keeps
    # what the other task used.
    project.run(both, only=["O"], start_method="spawn")
    learned = json.loads(learned_file(project.runs_dir, "job").read_text())["modules"]
    assert "colorsys" in learned and "fractions" in learned


RUNNER_SCRIPT = """
import json, sys
from pathlib import Path
from mlops_stacks.runner import run_job

root, runs, files = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
try:
    run_job(json.loads(sys.argv[4]), job_key="job", runs_dir=runs, env={},
            resolve_path=lambda p: root / p[len(files) + 1:])
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_ctrl_c_during_a_forked_task_cancels_the_run_and_leaves_no_process(
    project: Project, tmp_path: Path
) -> None:
    pid_file = tmp_path / "task.pid"
    nb = project.notebook(
        "n/notebooks/Sleep",
        f"""
        import os, pathlib, subprocess, time
        child = subprocess.Popen(["sleep", "120"])   # something the task started
        pathlib.Path({str(pid_file)!r}).write_text(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(120)
        """,
    )
    job = {"tasks": [notebook_task("Sleep", nb)]}
    script = tmp_path / "runner.py"
    script.write_text(textwrap.dedent(RUNNER_SCRIPT))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(project.root), str(project.runs_dir), FILES,
         json.dumps(job)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
        time.sleep(0.05)
    below = descendants(proc.pid)
    task_pid, grandchild = (int(p) for p in pid_file.read_text().split())
    assert {task_pid, grandchild} <= below
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert not wait_gone(below), "processes outlived the canceled run"
    (run_dir,) = [p for p in project.runs_dir.iterdir() if not p.name.startswith(".")]
    record = load_run(project.runs_dir, run_dir.name)
    assert record.state == "CANCELED"
    assert record.tasks["Sleep"].start_method == "fork"


def test_the_time_limit_holds_while_the_fork_server_imports(
    project: Project, tmp_path: Path
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "slow_to_import.py").write_text("import time\ntime.sleep(60)\n")
    learned = learned_file(project.runs_dir, "job")
    learned.parent.mkdir(parents=True, exist_ok=True)
    learned.write_text(json.dumps({"python": sys.executable, "modules": ["slow_to_import"]}))
    nb = project.notebook("n/notebooks/T", "print('never')")
    start = time.monotonic()
    record = project.run({"timeout_seconds": 1, "tasks": [notebook_task("T", nb)]},
                         env={"PYTHONPATH": str(lib)})
    assert time.monotonic() - start < 20
    assert record.state == "FAILED"
    assert "timed out after 1 s" in (record.error or "")
