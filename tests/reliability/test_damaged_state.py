"""Damaged local state: every file under ``.mlops-stacks/`` emptied, cut, garbled, or
replaced by JSON of the wrong type, against plan, deploy, run, runs list and destroy.

One project is deployed and run once per module; each case copies it, damages one
file and runs the five commands in-process as a user would. No command may end in a
traceback, and a command that fails names the damaged file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from tests.deploy.bundle_project import make_project

pytestmark = pytest.mark.slow

LOCAL = Path(".mlops-stacks") / "local"
#: The files of a deployed and run target (the run's ID is filled in by the fixture).
FILES = [
    "state.json", "deploy.lock", "secrets.salt", "jobs/score_job.json", "runs/RUN/run.json",
    "runs/RUN/tasks/Score.out.json", "preload/score_job.json", "mlflow/mlflow.db",
]  # fmt: skip


def _cut(data: bytes) -> bytes:
    return data[: max(1, len(data) // 2)]


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "emptied": lambda data: b"",
    "cut": _cut,
    "garbled": lambda data: b"\xff\xfe\x00garbage\x80\x81" + data[:40],
    "wrong-type": lambda data: b'["a", "list"]',
}


def mlops(project: Path, *args: str) -> tuple[int, str]:
    terminal.reset()
    terminal.DEBUG = False
    cwd = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "1000", "NO_COLOR": "1"})
    finally:
        os.chdir(cwd)
        terminal.reset()
    out = result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        out += f"\nTraceback: {type(result.exception).__name__}: {result.exception}"
    return result.exit_code, out


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A project deployed to the local target with one run of score_job."""
    project = make_project(tmp_path_factory.mktemp("damaged") / "demo")
    assert mlops(project, "deploy", "--auto-approve")[0] == 0
    code, out = mlops(project, "run", "score_job")
    assert code == 0, out
    [run_dir] = [p for p in (project / LOCAL / "runs").iterdir() if not p.name.startswith(".")]
    # A lock left behind by a deploy that was killed (the holder's process is gone).
    (project / LOCAL / "deploy.lock").write_text(
        '{"user": "x", "host": "elsewhere", "pid": 1, "since": "2026-01-01T00:00:00", '
        '"token": "t"}'
    )
    return project, run_dir.name


def copy_of(deployed: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    """A copy of the deployed project (its run ID alike), for one case to damage."""
    source, run_id = deployed
    project = tmp_path / "demo"
    shutil.copytree(source, project, symlinks=True)
    return project, run_id


COMMANDS = [
    ("plan",), ("runs", "list"), ("run", "score_job"), ("deploy", "--auto-approve", "--force-lock"),
    ("destroy", "--auto-approve", "--force-lock"),
]  # fmt: skip


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("rel", FILES)
def test_damaged_state_is_reported_with_the_file_and_a_way_out(
    deployed: tuple[Path, str], tmp_path: Path, rel: str, damage: str
) -> None:
    project, run_id = copy_of(deployed, tmp_path)
    path = project / LOCAL / rel.replace("RUN", run_id)
    path.write_bytes(DAMAGES[damage](path.read_bytes()))
    problems = []
    for args in COMMANDS:
        code, out = mlops(project, *args)
        if "Traceback" in out or code not in (0, 1):
            problems.append(f"{' '.join(args)}: exit {code}: {out[-600:]}")
        elif (code == 1 or args == ("runs", "list") and rel.endswith("run.json")) and (
            str(path) not in out.replace("\n", "")
        ):  # a failure, and the listing that leaves out a record, name the file
            problems.append(f"{' '.join(args)}: does not name {path}: {out[-600:]}")
    assert not problems, "\n".join(problems)


def test_an_emptied_mlflow_store_is_reported_not_silently_made_anew(
    deployed: tuple[Path, str], tmp_path: Path
) -> None:
    project, _ = copy_of(deployed, tmp_path)
    store = project / LOCAL / "mlflow" / "mlflow.db"
    store.write_bytes(b"")
    code, out = mlops(project, "run", "score_job")
    assert code == 1, out
    assert "is damaged: it is empty" in out and "must then be trained again" in out
    assert store.stat().st_size == 0  # left for the user to restore, not re-created


def test_a_store_left_half_migrated_is_reported_with_the_way_out(
    deployed: tuple[Path, str], tmp_path: Path
) -> None:
    # What a full disk during MLflow's table upgrade leaves: a temporary alembic table.
    import sqlite3

    project, _ = copy_of(deployed, tmp_path)
    store = project / LOCAL / "mlflow" / "mlflow.db"
    with sqlite3.connect(store) as conn:
        conn.execute("CREATE TABLE _alembic_tmp_experiments (x INTEGER)")
    code, out = mlops(project, "deploy", "--auto-approve", "--force-lock")
    assert code == 1 and "Traceback" not in out, out
    assert "an upgrade of its tables was interrupted" in out and "mlflow.db.damaged" in out
