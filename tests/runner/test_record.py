"""Run records persist atomically and read back; list_runs sorts newest first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner import RunRecord, TaskRecord, list_runs, load_run
from mlops_stacks.runner.record import read_log_tail


def _record(run_id: str, job_key: str, start: float) -> RunRecord:
    rec = RunRecord(run_id=run_id, job_key=job_key, state="SUCCESS", start_time=start)
    rec.tasks["T"] = TaskRecord(key="T", kind="notebook", state="SUCCESS", values={"a": [1]})
    return rec


def test_save_load_round_trip_and_no_temp_files(tmp_path: Path) -> None:
    rec = _record("r1", "train", 100.0)
    rec.save(tmp_path)
    assert load_run(tmp_path, "r1") == rec
    assert [p.name for p in (tmp_path / "r1").iterdir()] == ["run.json"]
    data = json.loads((tmp_path / "r1" / "run.json").read_text())
    assert data["tasks"][0]["key"] == "T" and data["state"] == "SUCCESS"


def test_list_runs_newest_first_filtered_and_skipping_broken(tmp_path: Path) -> None:
    _record("old", "train", 100.0).save(tmp_path)
    _record("new", "train", 200.0).save(tmp_path)
    _record("other", "score", 150.0).save(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{not json")
    assert [r.run_id for r in list_runs(tmp_path)] == ["new", "other", "old"]
    assert [r.run_id for r in list_runs(tmp_path, job_key="train")] == ["new", "old"]
    assert list_runs(tmp_path / "missing") == []


def test_load_run_unknown_id_names_recent_runs(tmp_path: Path) -> None:
    _record("r1", "train", 100.0).save(tmp_path)
    with pytest.raises(RunError) as err:
        load_run(tmp_path, "nope")
    assert "nope" in err.value.message and "r1" in (err.value.hint or "")


def test_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert read_log_tail(log) == [f"line {i}" for i in range(70, 100)]
    assert read_log_tail(tmp_path / "missing.log") == []


def test_record_written_by_a_real_run_lists(tmp_path: Path) -> None:
    from tests.runner.conftest import Project, notebook_task

    root = tmp_path / "proj"
    root.mkdir()
    project = Project(root=root, runs_dir=tmp_path / "runs")
    nb = project.notebook("n/notebooks/A", "print('hello')")
    first = project.run({"tasks": [notebook_task("A", nb)]})
    second = project.run({"tasks": [notebook_task("A", nb)]}, job_key="other")
    assert [r.run_id for r in list_runs(project.runs_dir)] == [second.run_id, first.run_id]
    loaded = load_run(project.runs_dir, first.run_id)
    assert loaded.state == "SUCCESS" and loaded.tasks["A"].log_path
    assert "hello" in Path(loaded.tasks["A"].log_path).read_text()
    assert loaded.end_time and loaded.start_time and loaded.end_time >= loaded.start_time


def test_a_limited_listing_reads_only_the_newest_runs(tmp_path: Path) -> None:
    # Run IDs begin with their start time; 30 runs, one second apart.
    ids = [f"20261206-1200{i:02d}-abc{i:03d}" for i in range(30)]
    for i, run_id in enumerate(ids):
        _record(run_id, "train" if i % 2 else "score", 1000.0 + i).save(tmp_path)
    (tmp_path / ids[0] / "run.json").write_text("{damaged")  # the oldest run
    unreadable: list[Path] = []
    newest = list_runs(tmp_path, limit=5, unreadable=unreadable)
    assert [r.run_id for r in newest] == ids[:-6:-1]
    assert unreadable == []  # the damaged oldest record was never read
    assert [r.run_id for r in list_runs(tmp_path, "train", limit=2)] == [ids[29], ids[27]]
    everything = list_runs(tmp_path, unreadable=unreadable)
    assert len(everything) == 29 and unreadable == [tmp_path / ids[0] / "run.json"]


def test_unfinished_runs_come_from_an_index_kept_by_save(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    from mlops_stacks.fileio import atomic_write_json
    from mlops_stacks.runner import unfinished_runs
    from mlops_stacks.runner.record import ACTIVE_DIR

    # A runs folder written before the index existed: one run going on, two done.
    _record("20261206-120000-aaaaaa", "train", 100.0).save(tmp_path)
    live = RunRecord(run_id="20261206-120001-bbbbbb", job_key="train", state="RUNNING",
                     start_time=101.0, pid=os.getpid())
    atomic_write_json(tmp_path / live.run_id / "run.json", live.to_dict())
    _record("20261206-120002-cccccc", "score", 102.0).save(tmp_path)
    assert not (tmp_path / ACTIVE_DIR).exists()  # as an older mlops-stacks left it
    assert [r.run_id for r in unfinished_runs(tmp_path)] == [live.run_id]  # builds it
    assert sorted(p.name for p in (tmp_path / ACTIVE_DIR).iterdir()) == [".built", live.run_id]

    # From now on only the index is read: a record written behind save's back is not seen.
    behind = RunRecord(run_id="20261206-120003-dddddd", job_key="train", state="RUNNING",
                       start_time=103.0, pid=os.getpid())
    atomic_write_json(tmp_path / behind.run_id / "run.json", behind.to_dict())
    assert [r.run_id for r in unfinished_runs(tmp_path)] == [live.run_id]

    # save() keeps it: a new run appears, a run that ends leaves, a dead runner's run is
    # closed on the way, the name of a run deleted with its job is dropped.
    queued = RunRecord(run_id="20261206-120004-eeeeee", job_key="score", state="QUEUED",
                       start_time=None, pid=os.getpid())
    queued.save(tmp_path)
    assert [r.run_id for r in unfinished_runs(tmp_path, "score")] == [queued.run_id]
    live.state = "SUCCESS"
    live.save(tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = RunRecord(run_id="20261206-120005-ffffff", job_key="train", state="RUNNING",
                       start_time=105.0, pid=dead.pid)
    orphan.save(tmp_path)
    gone = RunRecord(run_id="20261206-120006-000000", job_key="train", state="RUNNING",
                     start_time=106.0, pid=os.getpid())
    gone.save(tmp_path)
    shutil.rmtree(tmp_path / gone.run_id)
    assert [r.run_id for r in unfinished_runs(tmp_path)] == [queued.run_id]
    assert load_run(tmp_path, orphan.run_id).state == "INTERNAL_ERROR"
    assert sorted(p.name for p in (tmp_path / ACTIVE_DIR).iterdir()) == [".built", queued.run_id]
    assert [r.run_id for r in list_runs(tmp_path, limit=2)] == [orphan.run_id, queued.run_id]
