"""The library alone (no CLI): load_bundle -> open_workspace -> deploy resolves
``${workspace.current_user.userName}`` by asking the workspace, and deploys to the same
root path as ``mlops-stacks deploy``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.databricks.fake_server import FakeDatabricks

BUNDLE = """\
bundle:
  name: lib-demo
workspace:
  host: {host}
  root_path: /Workspace/Users/${{workspace.current_user.userName}}/custom/${{bundle.name}}
resources:
  jobs:
    train:
      name: train-${{workspace.current_user.short_name}}
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ./Train.py
"""


def _project(root: Path, host: str) -> Path:
    root.mkdir(parents=True)
    (root / "databricks.yml").write_text(BUNDLE.format(host=host))
    (root / "Train.py").write_text("# Databricks notebook source\nprint('train')\n")
    return root


def test_library_resolves_the_current_user_and_deploys_where_the_cli_does(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    from mlops_stacks import load_bundle
    from mlops_stacks.deploy import deploy
    from mlops_stacks.workspace import open_workspace

    server = db_env
    root = f"/Workspace/Users/{server.user}/custom/lib-demo"
    project = _project(tmp_path / "lib", server.url)
    bundle, diags = load_bundle(project)
    assert bundle is not None, diags
    assert not [d for d in diags if "look-ups were skipped" in d.summary]
    assert bundle.workspace["root_path"] == root
    assert bundle.resources("jobs")["train"]["name"] == "train-jane_doe"
    deploy(bundle, open_workspace(bundle))
    assert any(p.startswith(f"{root}/files/Train") for p in server.paths_under(root))
    assert any(p.startswith(f"{root}/state") for p in server.paths_under(root))

    # The CLI, on a copy of the same bundle, lands on the same root path.
    other = FakeDatabricks(token=server.token, user=server.user).start()
    try:
        cli_project = _project(tmp_path / "cli", other.url)
        env = {**os.environ, "DATABRICKS_HOST": other.url}
        proc = subprocess.run([sys.executable, "-m", "mlops_stacks", "deploy"], cwd=cli_project,
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert other.paths_under(root) == server.paths_under(root)
        summary = subprocess.run(
            [sys.executable, "-m", "mlops_stacks", "summary", "-o", "json"], cwd=cli_project,
            capture_output=True, text=True, env=env, timeout=120, check=True)
        assert json.loads(summary.stdout)["workspace"]["root_path"] == root
    finally:
        other.stop()


def test_without_credentials_the_library_skips_the_lookup_with_one_warning(
    tmp_path: Path, monkeypatch
) -> None:
    from mlops_stacks import load_bundle

    for key in ("DATABRICKS_TOKEN", "DATABRICKS_HOST", "DATABRICKS_CONFIG_PROFILE",
                "DATABRICKS_CLIENT_ID", "ARM_CLIENT_ID", "DATABRICKS_AUTH_TYPE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    project = _project(tmp_path / "p", "https://adb-1.azuredatabricks.net")
    bundle, diags = load_bundle(project)
    assert bundle is not None
    assert [d.summary for d in diags if "look-ups were skipped" in d.summary]
    assert "${workspace.current_user.userName}" in bundle.workspace["root_path"]
