"""Opt-in: deploy and destroy a generated project on a real Databricks workspace.

Skipped unless DATABRICKS_HOST and DATABRICKS_TOKEN are set. Uses the ``dev``
target (per-user paths under /Workspace/Users/<you>/.bundle, names prefixed,
schedules paused) of a project with a unique name, and destroys it at the end.
The registered model needs a Unity Catalog catalog and schema you can create
models in: set BUNDLE_VAR_catalog_name and BUNDLE_VAR_schema_name (defaults:
``main`` and ``default``), and BUNDLE_VAR_read_user_group to a group that
exists (default ``users``).

    DATABRICKS_HOST=https://<workspace> DATABRICKS_TOKEN=dapi... \\
        pytest tests/databricks/test_databricks_live.py -v
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.environ.get("DATABRICKS_HOST") and os.environ.get("DATABRICKS_TOKEN")),
        reason="live Databricks test: set DATABRICKS_HOST and DATABRICKS_TOKEN to run it",
    ),
]

CLI = [sys.executable, "-m", "mlops_stacks"]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800
    )


def test_deploy_and_destroy_on_a_real_workspace(tmp_path: Path) -> None:
    host = os.environ["DATABRICKS_HOST"].rstrip("/")
    if not host.startswith("http"):
        host = "https://" + host
    name = f"mlops-stacks-live-{secrets.token_hex(3)}"
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1", "NO_COLOR": "1"}
    env.setdefault("BUNDLE_VAR_catalog_name", "main")
    env.setdefault("BUNDLE_VAR_schema_name", "default")
    env.setdefault("BUNDLE_VAR_read_user_group", "users")
    init = run(
        ["init", "--defaults", "--data", f"project_name={name}", str(tmp_path / "repo")],
        tmp_path,
        env,
    )
    assert init.returncode == 0, init.stderr
    project = tmp_path / "repo" / name.replace("-", "_")
    yml = project / "databricks.yml"
    text = yml.read_text()
    dev = re.search(r"\n  dev:\n    mode: development\n    workspace:\n      host: (\S+)\n", text)
    assert dev, text
    yml.write_text(text.replace(dev.group(0), dev.group(0).replace(dev.group(1), host)))

    try:
        deploy = run(["deploy", "-t", "dev", "--auto-approve"], project, env)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert "Deployment complete" in deploy.stdout
        again = run(["deploy", "-t", "dev", "--auto-approve"], project, env)
        assert again.returncode == 0, again.stderr
        assert "0 created, 0 changed, 0 deleted" in again.stdout
    finally:
        gone = run(["destroy", "-t", "dev", "--auto-approve"], project, env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    token = os.environ["DATABRICKS_TOKEN"]
    for proc in (deploy, again, gone):
        assert token not in proc.stdout + proc.stderr
