"""Pipeline library paths: translated to workspace paths as the Databricks CLI does."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.nodes import to_plain
from tests.bundle.test_translate_paths import translate

BASE = "/Workspace/Shared/demo/files"
PIPELINE = """
resources:
  pipelines:
    features:
      name: features
      root_path: ../src
      libraries:
        - file: {path: ../src/clean.sql}
        - notebook: {path: ../src/ingest.py}
        - glob: {include: ../src/transformations/**}
        - file: {path: "../src/transformations/*.sql"}
        - notebook: {path: /Workspace/Shared/elsewhere}
        - whl: /Volumes/main/ml/libs/pkg.whl
      environment:
        dependencies: [-r ../requirements.txt, pandas]
"""
FILES = {
    "src/clean.sql": "SELECT 1\n",
    "src/ingest.py": "# Databricks notebook source\nprint('ingest')\n",
    "src/transformations/a.sql": "SELECT 1\n",
    "src/transformations/b.sql": "SELECT 2\n",
    "requirements.txt": "pandas\n",
}


def test_library_paths_become_workspace_paths(tmp_path: Path) -> None:
    ctx, diags = translate(tmp_path, PIPELINE, FILES)
    assert not diags, [str(d) for d in diags]
    pipeline = ctx.tree.at("resources", "pipelines", "features")
    spec = to_plain(pipeline)
    assert spec["root_path"] == f"{BASE}/src"
    assert spec["libraries"] == [
        {"file": {"path": f"{BASE}/src/clean.sql"}},
        {"notebook": {"path": f"{BASE}/src/ingest"}},       # notebooks lose the extension
        {"glob": {"include": f"{BASE}/src/transformations/**"}},
        {"file": {"path": f"{BASE}/src/transformations/a.sql"}},  # a wildcard: one per file
        {"file": {"path": f"{BASE}/src/transformations/b.sql"}},
        {"notebook": {"path": "/Workspace/Shared/elsewhere"}},
        {"whl": "/Volumes/main/ml/libs/pkg.whl"},
    ]
    assert spec["environment"]["dependencies"] == [f"-r {BASE}/requirements.txt", "pandas"]


def test_wrong_kinds_and_missing_paths_are_errors(tmp_path: Path) -> None:
    pipeline = """
resources:
  pipelines:
    features:
      root_path: ../nowhere
      libraries:
        - file: {path: ../src/ingest.py}
        - notebook: {path: ../src/clean.py}
        - notebook: {path: "../src/missing/*.py"}
"""
    files = {"src/ingest.py": "# Databricks notebook source\n", "src/clean.py": "x = 1\n"}
    _, diags = translate(tmp_path, pipeline, files)
    assert [(d.summary, d.path) for d in diags.errors] == [
        ("expected a file, but ingest.py is a notebook",
         "resources.pipelines.features.libraries[0].file.path"),
        ("expected a notebook, but clean.py is a file",
         "resources.pipelines.features.libraries[1].notebook.path"),
        ("file not found: ../src/missing/*.py",
         "resources.pipelines.features.libraries[2].notebook.path"),
        ("folder not found: ../nowhere", "resources.pipelines.features.root_path"),
    ]
    assert all(Path(d.location.file).name == "job.yml" for d in diags.errors)
