"""A tiny bundle on disk for runner tests: notebooks and files under a fake workspace path."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlops_stacks.runner import RunRecord, run_job

FILES = "/Workspace/Users/someone@example.com/.bundle/demo/local/files"


@dataclass
class Project:
    """A bundle root with databricks.yml, notebooks written by tests, and a runs dir."""

    root: Path
    runs_dir: Path

    def notebook(self, rel: str, *cells: str) -> str:
        """Write a source-format notebook at ``rel`` (.py added); return its workspace path."""
        path = self.root / (rel + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "\n\n# COMMAND ----------\n\n".join(textwrap.dedent(c).strip() for c in cells)
        path.write_text("# Databricks notebook source\n" + body + "\n", encoding="utf-8")
        return f"{FILES}/{rel}"

    def file(self, rel: str, text: str) -> str:
        """Write a plain file; return its workspace path."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return f"{FILES}/{rel}"

    def resolve(self, workspace_path: str) -> Path:
        assert workspace_path.startswith(FILES + "/"), workspace_path
        return self.root / workspace_path[len(FILES) + 1 :]

    def run(self, job: dict[str, Any], **kwargs: Any) -> RunRecord:
        kwargs.setdefault("job_key", "job")
        kwargs.setdefault("env", {})
        return run_job(job, runs_dir=self.runs_dir, resolve_path=self.resolve, **kwargs)

    def log(self, record: RunRecord, key: str) -> str:
        return Path(record.tasks[key].log_path or "").read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "databricks.yml").write_text("bundle:\n  name: demo\n", encoding="utf-8")
    return Project(root=root, runs_dir=tmp_path / "runs")


def notebook_task(key: str, path: str, depends_on: list[str] | None = None, **extra: Any) -> dict:
    task: dict[str, Any] = {"task_key": key, "notebook_task": {"notebook_path": path}}
    if "base_parameters" in extra:
        task["notebook_task"]["base_parameters"] = extra.pop("base_parameters")
    if depends_on:
        task["depends_on"] = [{"task_key": d} for d in depends_on]
    task.update(extra)
    return task
