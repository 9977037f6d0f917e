"""After an ``update`` that left a conflict in a bundle file, ``validate`` names the conflict
and where it is, instead of a YAML parser error."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.bundle_project import DATABRICKS_YML
from tests.scaffold.update_kit import cli, git, tagged_template

BUNDLE_V1 = DATABRICKS_YML + """\
resources:
  jobs:
    train:
      name: train
      parameters:
        - name: max_depth
          default: "5"
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ./Train.py
"""


def test_validate_after_a_conflicting_update_names_the_conflict(tmp_path: Path) -> None:
    repo = tagged_template(tmp_path, {
        tag: {"copier.yml": "_subdirectory: template\n",
              "template/Train.py": "# Databricks notebook source\n",
              "template/databricks.yml": BUNDLE_V1.replace('"5"', f'"{depth}"')}
        for tag, depth in (("v1", "5"), ("v2", "6"))})
    project = tmp_path / "demo"
    code, _, err = cli("init", "--template", str(repo), "--vcs-ref", "v1", "--defaults",
                       str(project))
    assert code == 0, err
    mine = project / "databricks.yml"
    mine.write_text(mine.read_text().replace('"5"', '"8"'))
    git(project, "commit", "-qam", "Tune")
    code, out, err = cli("update", "--vcs-ref", "v2", str(project))
    assert code == 1 and "<<<<<<<" in mine.read_text(), out + err
    line = mine.read_text().splitlines().index(
        next(x for x in mine.read_text().splitlines() if x.startswith("<<<<<<<"))) + 1

    code, out, err = _validate(project)
    assert code == 1
    err = out + err
    assert f"unresolved merge conflict\n  in databricks.yml:{line}:1" in err, err
    assert "delete the three marker lines, then commit" in err
    assert "invalid YAML" not in err


def _validate(project: Path) -> tuple[int, str, str]:
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "mlops_stacks", "validate"], cwd=project,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    return proc.returncode, proc.stdout, proc.stderr
