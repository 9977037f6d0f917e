"""The run view: plain lines off a terminal, a live table on one; failures with log tails."""

from __future__ import annotations

import io
import re

from rich.console import Console

from mlops_stacks.cli.run_view import RunView, format_duration, print_failures, wait_for
from mlops_stacks.runner import start_detached
from tests.runner.conftest import Project, notebook_task


def _job(project: Project) -> dict:
    ok = project.notebook("n/notebooks/Ok", "dbutils.notebook.exit('42')")
    bad = project.notebook("n/notebooks/Bad", "print('about to fail')\nraise KeyError('label')")
    return {
        "tasks": [
            notebook_task("Prepare", ok),
            notebook_task("Train", bad, ["Prepare"]),
            notebook_task("Deploy", ok, ["Train"]),
        ]
    }


def _plain(text: str) -> str:
    return re.sub(r"\d+\.\d+s", "<t>", text)


def test_plain_lines_when_not_a_terminal(project: Project) -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=200, force_terminal=False)
    with RunView(console) as view:
        record = project.run(_job(project), on_event=view)
    print_failures(record, console)
    lines = _plain(buf.getvalue()).splitlines()
    assert lines[:8] == [
        f"Run {record.run_id} of job started",
        "  Prepare  RUNNING",
        "  Prepare  SUCCESS  <t>  result: 42",
        "  Train  RUNNING",
        "  Train  FAILED  <t>",
        "  Deploy  SKIPPED  upstream task(s) failed: Train",
        f"Run {record.run_id} FAILED in <t>",
        "Task Train failed: KeyError: 'label'",
    ]
    # The reason appears once, in the failure report after the run.
    assert sum("KeyError: 'label'" in line for line in lines[:8]) == 1
    assert "  | about to fail" in lines
    assert lines[-1] == f"  Full log: {record.tasks['Train'].log_path}"


def test_live_table_on_a_terminal(project: Project) -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=120, force_terminal=True, color_system=None)
    view = RunView(console)
    assert view.live_mode
    record = project.run(_job(project), on_event=view)
    view.close()
    out = buf.getvalue()
    assert f"job  run {record.run_id}  FAILED" in out
    final = out[out.rindex(f"run {record.run_id}  FAILED") :]
    for row in ("Prepare", "Train", "Deploy"):
        assert row in final
    assert "SKIPPED" in final and "KeyError: 'label'" not in final


def test_following_a_background_run(project: Project) -> None:
    run_id = start_detached(
        _job(project),
        job_key="job",
        runs_dir=project.runs_dir,
        resolve_path=project.resolve,
        env={},
    )
    buf = io.StringIO()
    record = wait_for(project.runs_dir, run_id, RunView(Console(file=buf, width=200)), poll=0.1)
    assert record.state == "FAILED"
    out = _plain(buf.getvalue())
    assert "  Train  FAILED  <t>" in out
    assert out.rstrip().endswith("FAILED in <t>")


def test_format_duration() -> None:
    assert [format_duration(s) for s in (None, 3.14, 75, 3725)] == ["", "3.1s", "1m15s", "1h02m"]
