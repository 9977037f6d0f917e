"""Running a deployed job through the local workspace (the real runner, a real notebook)."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.model import Bundle
from mlops_stacks.bundle.nodes import from_plain
from mlops_stacks.deploy import deploy
from mlops_stacks.workspace import open_workspace

FILES = "/Workspace/Users/me/.bundle/demo/local/files"
NOTEBOOK = """# Databricks notebook source
import os
dbutils.widgets.text("x", "1")
print("x=" + dbutils.widgets.get("x"), "uri=" + os.environ["MLFLOW_TRACKING_URI"])
"""


def test_deployed_job_runs_with_the_targets_mlflow_store(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "Hello.py").write_text(NOTEBOOK)
    config = {
        "bundle": {"name": "demo"},
        "workspace": {"host": "local", "file_path": FILES},
        "resources": {"jobs": {"hello": {
            "name": "hello", "parameters": [{"name": "x", "default": "7"}],
            "tasks": [{"task_key": "Hello",
                       "notebook_task": {"notebook_path": f"{FILES}/nb/Hello"}}]}}},
    }
    bundle = Bundle(tmp_path, "local", from_plain(config))
    ws = open_workspace(bundle)
    deploy(bundle, ws)
    # The notebook runs from the synced copy, not from the project folder.
    (tmp_path / "nb" / "Hello.py").write_text("raise SystemExit('not deployed')\n")
    record = ws.run_job("hello", params={"x": "9"})
    assert record.state == "SUCCESS"
    assert ws.job_id("hello") == "1"
    log = next((ws.runs_dir / record.run_id).rglob("Hello.log")).read_text()
    assert "x=9" in log and f"uri={ws.tracking_uri}" in log
    assert [r.run_id for r in ws.list_runs("hello")] == [record.run_id]
    assert ws.list_runs("other") == []
    assert ws.get_run(record.run_id).state == "SUCCESS"
    assert ws.mlflow.db_file.is_file()  # created before the tasks ran
