"""``-p/--profile``: bundle commands authenticate with a ~/.databrickscfg profile.

The real CLI runs as a subprocess against the fake workspace over HTTP, with no
DATABRICKS_* credentials in the environment: only a profile file. Two profiles
name the same host, one with a token the server rejects, so the host alone
picks neither and the bundle's ``workspace.profile`` names the wrong one:
``-p`` decides.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databricks.conftest import server  # noqa: F401  (fixture)
from tests.databricks.fake_server import FakeDatabricks

pytestmark = pytest.mark.slow  # about a dozen CLI runs

DATABRICKS_YML = """\
bundle:
  name: demo
targets:
  staging:
    default: true
    workspace:
      host: {host}
      profile: stale
resources:
  jobs:
    train_job:
      name: demo-train
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ./Train.py
"""

PROFILES = """\
[stale]
host = {host}
token = dapi-revoked-token

[good]
host = {host}
token = {token}
"""


@pytest.fixture
def project(tmp_path: Path, server: FakeDatabricks) -> Path:  # noqa: F811
    root = tmp_path / "demo"
    root.mkdir()
    (root / "databricks.yml").write_text(DATABRICKS_YML.format(host=server.url))
    (root / "Train.py").write_text("# Databricks notebook source\nprint('train')\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABRICKS_", "ARM_", "BUNDLE_VAR_"))}
    env.update(HOME=str(tmp_path / "home"), MLOPS_STACKS_NO_INPUT="1", NO_COLOR="1",
               MLOPS_STACKS_DATABRICKS_RETRY_DELAY="0.01",
               MLOPS_STACKS_DATABRICKS_POLL_INTERVAL="0.05", **extra)
    return env


def _cli(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


def test_profile_option_picks_the_credentials_of_every_bundle_command(
    project: Path, server: FakeDatabricks, tmp_path: Path  # noqa: F811
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".databrickscfg").write_text(PROFILES.format(host=server.url, token=server.token))
    env = _env(tmp_path)

    # Without -p the target's workspace.profile is used, and its token is refused.
    refused = _cli(project, env, "plan")
    assert refused.returncode == 1
    assert server.url in refused.stderr and "Traceback" not in refused.stderr
    assert server.token not in refused.stderr + refused.stdout

    plan = _cli(project, env, "plan", "-p", "good")
    assert plan.returncode == 0, plan.stderr
    assert "Plan: 1 to add" in plan.stdout
    deploy = _cli(project, env, "deploy", "--profile", "good", "--auto-approve")
    assert deploy.returncode == 0, deploy.stderr
    [job] = server.state.jobs.values()
    assert job["settings"]["name"] == "demo-train"

    summary = json.loads(_cli(project, env, "summary", "-p", "good", "-o", "json").stdout)
    assert summary["resources"]["jobs"]["train_job"]["id"] == str(job["job_id"])
    started = _cli(project, env, "run", "train_job", "-p", "good", "--no-wait", "-o", "json")
    assert started.returncode == 0, started.stderr
    run_id = json.loads(started.stdout)["run_id"]
    listed = json.loads(_cli(project, env, "runs", "list", "-p", "good", "-o", "json").stdout)
    assert [str(r["run_id"]) for r in listed] == [str(run_id)]
    got = _cli(project, env, "runs", "get", str(run_id), "-p", "good", "-o", "json")
    assert got.returncode == 0, got.stderr
    assert _cli(project, env, "runs", "list", "-p", "stale").returncode == 1

    destroy = _cli(project, env, "destroy", "-p", "good", "--auto-approve")
    assert destroy.returncode == 0, destroy.stderr
    assert not server.state.jobs


def test_profile_from_a_databricks_config_file_elsewhere(
    project: Path, server: FakeDatabricks, tmp_path: Path  # noqa: F811
) -> None:
    cfg = tmp_path / "ci" / "databrickscfg"
    cfg.parent.mkdir()
    cfg.write_text(PROFILES.format(host=server.url, token=server.token))
    env = _env(tmp_path, DATABRICKS_CONFIG_FILE=str(cfg))
    plan = _cli(project, env, "plan", "-p", "good", "-o", "json")
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["summary"]["add"] == 1
    unknown = _cli(project, env, "plan", "-p", "nope")
    assert unknown.returncode == 1
    assert "nope" in unknown.stderr and "Traceback" not in unknown.stderr
