"""``run_job_task.job_id: ${resources.jobs.<key>.id}`` reaches the Jobs API as an integer.

The bundle loader leaves the reference in place; the deploy engine fills in the
ID when the referred job exists. IDs are strings, the Jobs API types ``job_id``
as an integer: the request the fake workspace receives must carry a number, and
a redeploy must see nothing to change.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.databricks.conftest import db_env, server  # noqa: F401  (fixtures)
from tests.databricks.fake_server import FakeDatabricks

DATABRICKS_YML = """\
bundle:
  name: refs
targets:
  staging:
    default: true
    workspace:
      host: {host}
resources:
  jobs:
    a_orchestrator:
      name: orchestrator
      tasks:
        - task_key: retrain
          run_job_task:
            job_id: ${{resources.jobs.z_training.id}}
    z_training:
      name: training
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ./Train.py
"""


def test_run_job_task_job_id_is_sent_as_an_integer(
    tmp_path: Path, db_env: FakeDatabricks  # noqa: F811
) -> None:
    from mlops_stacks.bundle import load_bundle
    from mlops_stacks.deploy import deploy
    from mlops_stacks.workspace import open_workspace
    from mlops_stacks.workspace.databricks import current_user

    root = tmp_path / "refs"
    root.mkdir()
    (root / "databricks.yml").write_text(DATABRICKS_YML.format(host=db_env.url))
    (root / "Train.py").write_text("# Databricks notebook source\nprint('train')\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)

    def run_deploy():  # noqa: ANN202
        bundle, diags = load_bundle(root, current_user=current_user(db_env.url))
        assert bundle is not None and not diags.has_errors(), diags
        return deploy(bundle, open_workspace(bundle), approve=lambda _a: True)

    first = run_deploy()
    assert first.done["create"] == ["jobs.z_training", "jobs.a_orchestrator"]
    creates = [r.body for r in db_env.requests if r.path == "/api/2.2/jobs/create"]
    training_id = next(j["job_id"] for j in db_env.state.jobs.values()
                       if j["settings"]["name"] == "training")
    [orchestrator] = [b for b in creates if b["name"] == "orchestrator"]
    job_id = orchestrator["tasks"][0]["run_job_task"]["job_id"]
    assert job_id == training_id and isinstance(job_id, int)

    mark = db_env.mark()
    second = run_deploy()
    assert second.count("unchanged") == 2
    assert not [r for r in db_env.writes(mark) if r.path.startswith("/api/2.2/jobs/")]
