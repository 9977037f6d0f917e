"""Shared file helpers: atomic JSON writes (state, job and run records) and content hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mlops_stacks.fileio import atomic_copy, atomic_write_json, sha256_file
from mlops_stacks.runner.record import RunRecord


def test_atomic_json_replaces_whole_files_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    atomic_write_json(path, {"version": 1, "bundle": "demo", "when": tmp_path})
    atomic_write_json(path, {"version": 2, "bundle": "demo"})
    text = path.read_text()
    assert json.loads(text) == {"version": 2, "bundle": "demo"}
    assert text.index('"version"') < text.index('"bundle"')  # the order given, not sorted
    assert text.endswith("}\n")
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_a_value_that_cannot_be_written_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    atomic_write_json(path, {"serial": 1})
    with pytest.raises(ValueError):
        atomic_write_json(path, {"serial": 2, "bad": _Unprintable()})
    assert json.loads(path.read_text()) == {"serial": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_run_records_and_copies_use_the_same_writer(tmp_path: Path) -> None:
    RunRecord(run_id="r1", job_key="train").save(tmp_path / "runs")
    saved = tmp_path / "runs" / "r1" / "run.json"
    assert json.loads(saved.read_text())["job_key"] == "train"
    atomic_copy(saved, tmp_path / "copy" / "run.json")
    assert sha256_file(tmp_path / "copy" / "run.json") == hashlib.sha256(
        saved.read_bytes()).hexdigest()


class _Unprintable:
    """A value whose ``str`` (the JSON fallback) fails half-way through a write."""

    def __str__(self) -> str:
        raise ValueError("cannot serialise")
