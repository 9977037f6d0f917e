"""The deploy engine against the fake workspace over real HTTP: create, no-op, one change,
destroy, vanished resources, throttling and a failing server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlops_stacks.bundle import load_bundle
from mlops_stacks.bundle.model import Bundle
from mlops_stacks.deploy import deploy, destroy
from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace import open_workspace
from mlops_stacks.workspace.databricks import current_user
from mlops_stacks.workspace.databricks.backend import DatabricksWorkspace
from tests.databricks.fake_server import FakeDatabricks

ROOT = "/Workspace/Users/jane.doe@example.com/.bundle/demo/staging"
NOTEBOOK = "# Databricks notebook source\nprint('train')\n"

DATABRICKS_YML = """\
bundle:
  name: demo
include:
  - resources/*.yml
targets:
  local:
    default: true
    workspace:
      host: local
  staging:
    workspace:
      host: {host}
"""

RESOURCES_YML = """\
resources:
  experiments:
    experiment:
      name: /Users/${{workspace.current_user.userName}}/${{bundle.target}}-demo-experiment
  registered_models:
    model:
      name: ${{bundle.target}}-demo-model
      catalog_name: main
      schema_name: ml
      comment: Demo model
      grants:
        - principal: data-scientists
          privileges: [EXECUTE]
  jobs:
    train_job:
      name: ${{bundle.target}}-demo-train
      parameters:
        - name: env
          default: ${{bundle.target}}
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
            base_parameters:
              experiment: ${{resources.experiments.experiment.name}}
              epochs: "{epochs}"
        - task_key: Validate
          depends_on:
            - task_key: Train
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
      permissions:
        - level: CAN_VIEW
          group_name: users
    score_job:
      name: ${{bundle.target}}-demo-score
      tasks:
        - task_key: Score
          notebook_task:
            notebook_path: ../scoring/notebooks/Score.py
"""


def make_project(root: Path, host: str, epochs: int = 3) -> Path:
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "training" / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "scoring" / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "databricks.yml").write_text(DATABRICKS_YML.format(host=host))
    (root / "resources" / "resources.yml").write_text(RESOURCES_YML.format(epochs=epochs))
    (root / "training" / "notebooks" / "Train.py").write_text(NOTEBOOK)
    (root / "training" / "__init__.py").write_text("")
    (root / "scoring" / "notebooks" / "Score.py").write_text(NOTEBOOK)
    (root / "data.csv").write_text("a,b\n1,2\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def load(root: Path, server: FakeDatabricks) -> Bundle:
    bundle, diags = load_bundle(root, target="staging", current_user=current_user(server.url))
    assert bundle is not None, diags
    assert not diags.has_errors()
    return bundle


def do_deploy(root: Path, server: FakeDatabricks):  # noqa: ANN201
    bundle = load(root, server)
    ws = open_workspace(bundle)
    assert isinstance(ws, DatabricksWorkspace)
    return deploy(bundle, ws, approve=lambda _a: True), ws


@pytest.fixture
def project(tmp_path: Path, db_env: FakeDatabricks) -> Path:
    return make_project(tmp_path / "demo", db_env.url)


def job_by_name(server: FakeDatabricks, name: str) -> dict:
    matches = [j for j in server.state.jobs.values() if j["settings"]["name"] == name]
    assert len(matches) == 1, [j["settings"]["name"] for j in server.state.jobs.values()]
    return matches[0]


def test_deploy_creates_jobs_with_workspace_paths_and_uploads_notebooks(
    project: Path, db_env: FakeDatabricks
) -> None:
    result, ws = do_deploy(project, db_env)
    assert result.count("create") == 4
    train = job_by_name(db_env, "staging-demo-train")["settings"]
    nb_path = train["tasks"][0]["notebook_task"]["notebook_path"]
    assert nb_path == ROOT + "/files/training/notebooks/Train"
    assert db_env.state.objects[nb_path].object_type == "NOTEBOOK"
    assert db_env.state.objects[ROOT + "/files/data.csv"].object_type == "FILE"
    params = train["tasks"][0]["notebook_task"]["base_parameters"]
    assert params["experiment"] == "/Users/jane.doe@example.com/staging-demo-experiment"
    assert train["deployment"]["metadata_file_path"] == ROOT + "/state/metadata.json"
    assert "permissions" not in train
    acl = db_env.state.permissions[
        ("jobs", str(train and job_by_name(db_env, "staging-demo-train")["job_id"]))
    ]
    assert acl == [{"group_name": "users", "permission_level": "CAN_VIEW"}]
    [exp] = db_env.state.experiments.values()
    assert exp["name"] == "/Users/jane.doe@example.com/staging-demo-experiment"
    assert "main.ml.staging-demo-model" in db_env.state.uc_models
    grants = db_env.state.grants[("function", "main.ml.staging-demo-model")]
    assert grants == {"data-scientists": {"EXECUTE"}}
    state = ws.read_state()
    assert state is not None
    assert state["resources"]["jobs"]["train_job"]["id"] == str(
        job_by_name(db_env, "staging-demo-train")["job_id"]
    )
    assert db_env.token not in str(state)
    assert ROOT + "/state/deploy.lock" not in db_env.state.objects


def test_noop_redeploy_sends_no_writes_but_the_lock(project: Path, db_env: FakeDatabricks) -> None:
    do_deploy(project, db_env)
    mark = db_env.mark()
    result, _ = do_deploy(project, db_env)
    assert result.count("unchanged") == 4
    writes = [(r.path, (r.body or {}).get("path")) for r in db_env.writes(mark)]
    lock = ROOT + "/state/deploy.lock"
    assert writes == [("/api/2.0/workspace/import", lock), ("/api/2.0/workspace/delete", lock)]


def test_one_change_sends_one_reset(project: Path, db_env: FakeDatabricks) -> None:
    do_deploy(project, db_env)
    job_id = job_by_name(db_env, "staging-demo-train")["job_id"]
    (project / "resources" / "resources.yml").write_text(RESOURCES_YML.format(epochs=5))
    mark = db_env.mark()
    result, _ = do_deploy(project, db_env)
    assert result.count("update") == 1
    api_writes = [r for r in db_env.writes(mark) if not r.path.startswith("/api/2.0/workspace/")]
    assert [(r.path, r.body["job_id"]) for r in api_writes] == [("/api/2.2/jobs/reset", job_id)]
    new = db_env.state.jobs[job_id]["settings"]["tasks"][0]["notebook_task"]["base_parameters"]
    assert new["epochs"] == "5"


def test_changed_notebook_uploads_only_that_file(project: Path, db_env: FakeDatabricks) -> None:
    do_deploy(project, db_env)
    (project / "scoring" / "notebooks" / "Score.py").write_text(NOTEBOOK + "print(2)\n")
    mark = db_env.mark()
    do_deploy(project, db_env)
    imports = [r.body["path"] for r in db_env.writes(mark) if r.path.endswith("/import")]
    assert ROOT + "/files/scoring/notebooks/Score" in imports
    assert not any(p.startswith(ROOT + "/files/training") for p in imports)
    assert db_env.state.objects[ROOT + "/files/scoring/notebooks/Score"].content.endswith(
        b"print(2)\n"
    )


def test_destroy_leaves_nothing_behind(project: Path, db_env: FakeDatabricks) -> None:
    do_deploy(project, db_env)
    bundle = load(project, db_env)
    ws = open_workspace(bundle)
    destroy(bundle, ws, approve=lambda _a: True)
    assert db_env.is_empty(ROOT + "/files")
    assert db_env.paths_under(ROOT) == []
    assert ws.read_state() is None


def test_vanished_job_is_recreated_with_a_warning(project: Path, db_env: FakeDatabricks) -> None:
    do_deploy(project, db_env)
    old_id = job_by_name(db_env, "staging-demo-train")["job_id"]
    del db_env.state.jobs[old_id]  # someone deleted it in the UI
    (project / "resources" / "resources.yml").write_text(RESOURCES_YML.format(epochs=7))
    result, ws = do_deploy(project, db_env)
    new_id = job_by_name(db_env, "staging-demo-train")["job_id"]
    assert new_id != old_id
    assert result.done["create"] == ["jobs.train_job"]
    [note] = [n for n in result.notes if "train_job" in n]
    assert "was deleted outside mlops-stacks; it will be recreated" in note
    assert (ws.read_state() or {})["resources"]["jobs"]["train_job"]["id"] == str(new_id)


def test_throttled_then_success_deploys(project: Path, db_env: FakeDatabricks) -> None:
    db_env.fail("POST", "/api/2.2/jobs/create", status=429, times=2)
    db_env.fail("POST", "/api/2.0/workspace/import", status=503, times=1)
    result, _ = do_deploy(project, db_env)
    assert result.count("create") == 4
    creates = [r.status for r in db_env.requests if r.path == "/api/2.2/jobs/create"]
    assert creates[:3] == [429, 429, 200]
    assert len(db_env.state.jobs) == 2


def test_server_error_forever_fails_cleanly_with_consistent_state(
    project: Path, db_env: FakeDatabricks
) -> None:
    db_env.fail(None, "/api/2.2/jobs/", status=500)
    with pytest.raises(WorkspaceError) as info:
        do_deploy(project, db_env)
    text = str(info.value)
    assert "500" in text and db_env.url in text and "job" in text
    assert db_env.token not in text
    db_env.clear_faults()
    # State names exactly what exists: the experiment and the model, no job.
    bundle = load(project, db_env)
    ws = open_workspace(bundle)
    state = ws.read_state() or {}
    assert set(state["resources"]) == {"experiments", "registered_models"}
    assert not db_env.state.jobs
    assert ws.read_lock() is None  # released despite the failure
    # The next deploy converges without duplicates.
    result, _ = do_deploy(project, db_env)
    assert result.count("create") == 2 and result.count("unchanged") == 2
    assert len(db_env.state.jobs) == 2 and len(db_env.state.experiments) == 1


def test_retries_run_out_on_idempotent_calls(project: Path, db_env: FakeDatabricks) -> None:
    do_deploy(project, db_env)
    db_env.fail("POST", "/api/2.2/jobs/reset", status=503)
    (project / "resources" / "resources.yml").write_text(RESOURCES_YML.format(epochs=9))
    with pytest.raises(WorkspaceError) as info:
        do_deploy(project, db_env)
    assert "Gave up after 4 attempts" in str(info.value)
    resets = [r for r in db_env.requests if r.path == "/api/2.2/jobs/reset"]
    assert len(resets) == 4
