"""A run's fork server started before the run is planned: taken by the run, or stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner import prestart
from tests.deploy.bundle_project import cli, make_project
from tests.runner.conftest import Project, notebook_task
from tests.runner.test_forkserver import alive, wait_gone

pytestmark = pytest.mark.skipif(os.name != "posix" or not hasattr(os, "fork"), reason="fork")


def _job(project: Project) -> dict:
    nb = project.notebook("n/notebooks/Frac", "import fractions\nprint(fractions.Fraction(1, 3))")
    return {"tasks": [notebook_task("F", nb)]}


def test_the_next_run_takes_the_fork_server_started_before_it(project: Project) -> None:
    job = _job(project)
    assert prestart.prestart(project.runs_dir, "job", {}) is None  # never ran: nothing known
    assert project.run(job).state == "SUCCESS"  # learns what its task imports

    pid = prestart.prestart(project.runs_dir, "job", {})
    assert pid is not None and alive(pid)
    assert prestart.prestart(project.runs_dir, "job", {}) == pid  # one per job
    record = project.run(job)
    assert record.state == "SUCCESS", record.error
    assert f"pid {pid}, started before the run was planned" in (record.start_note or "")
    assert record.tasks["F"].start_method == "fork"
    run_dir = project.runs_dir / record.run_id
    assert (run_dir / "forkserver.log").exists()  # its log moved into the run
    assert not list((project.runs_dir.parent / "preload").glob("*.log"))
    assert not wait_gone({pid}), "the run did not stop the server it took"


def test_a_prestarted_server_the_run_does_not_take_is_stopped(project: Project) -> None:
    job = _job(project)
    assert project.run(job).state == "SUCCESS"

    other_env = prestart.prestart(project.runs_dir, "job", {"SOME_SETTING": "1"})
    assert other_env is not None
    record = project.run(job)  # the server was started with another environment
    assert record.state == "SUCCESS", record.error
    assert "started before the run was planned" not in (record.start_note or "")
    assert not wait_gone({other_env}), "a server started with another environment was left"

    spawned = prestart.prestart(project.runs_dir, "job", {})
    record = project.run(job, start_method="spawn")
    assert record.tasks["F"].start_method == "spawn"
    assert not wait_gone({spawned}), "a server the spawned run did not use was left"

    refused = prestart.prestart(project.runs_dir, "job", {})
    with pytest.raises(RunError):
        project.run(job, only=["no_such_task"])  # stops before the run starts
    assert not wait_gone({refused}), "a server of a run that never started was left"
    assert not list((project.runs_dir.parent / "preload").glob("*.log"))


def test_run_on_the_local_target_starts_the_fork_server_before_planning(tmp_path: Path) -> None:
    root = make_project(tmp_path / "demo", ml_artifacts=False)
    cli(root, "deploy", "--auto-approve", check=True)
    cli(root, "run", "train_job", check=True)
    second = cli(root, "--debug", "run", "train_job", "-o", "json", check=True)
    record = json.loads(second.stdout)
    assert "started before the run was planned" in record["start_note"], record["start_note"]
    assert record["state"] == "SUCCESS"
    # `python -m mlops_stacks` and the `mlops-stacks` script (python3) share what was learned
    learned = root / ".mlops-stacks" / "local" / "preload" / "train_job.json"
    data = json.loads(learned.read_text())
    here = Path(data["python"])
    data["python"] = str(here.with_name("python" if here.name == "python3" else "python3"))
    learned.write_text(json.dumps(data))
    if Path(data["python"]).exists():
        third = json.loads(cli(root, "--debug", "run", "train_job", "-o", "json",
                               check=True).stdout)
        assert "used in the last run" in third["start_note"], third["start_note"]
