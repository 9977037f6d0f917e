"""The fake workspace enforces the Databricks rules our deploys depend on.

Each test states one rule of the real service (Databricks REST API reference)
and checks the fake answers like it; the deploy-level tests check that
mlops-stacks copes with the rule (e.g. creates parent folders first).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_deploy import do_deploy, make_project


def call(server: FakeDatabricks, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        server.url + path, data=data, method=method,
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_experiment_parent_folder_must_exist(server: FakeDatabricks) -> None:
    status, err = call(server, "POST", "/api/2.0/mlflow/experiments/create",
                       {"name": "/Shared/demo/staging-experiment"})  # fmt: skip
    assert (status, err["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    assert err["message"] == "Parent directory /Shared/demo does not exist."
    assert call(server, "POST", "/api/2.0/workspace/mkdirs", {"path": "/Shared/demo"})[0] == 200
    status, res = call(server, "POST", "/api/2.0/mlflow/experiments/create",
                       {"name": "/Shared/demo/staging-experiment"})  # fmt: skip
    assert status == 200 and res["experiment_id"]


def test_fresh_workspace_has_home_and_shared_folders_under_both_prefixes(
    server: FakeDatabricks,
) -> None:
    for path in ("/Shared", f"/Users/{server.user}", f"/Workspace/Users/{server.user}"):
        assert call(server, "GET", f"/api/2.0/workspace/get-status?path={path}")[0] == 200
    status, _ = call(server, "POST", "/api/2.0/mlflow/experiments/create",
                     {"name": f"/Workspace/Users/{server.user}/exp"})  # fmt: skip
    assert status == 200


def test_experiment_names_are_unique_and_deletion_is_soft(server: FakeDatabricks) -> None:
    name = f"/Users/{server.user}/exp"
    _, res = call(server, "POST", "/api/2.0/mlflow/experiments/create", {"name": name})
    exp_id = res["experiment_id"]
    status, err = call(server, "POST", "/api/2.0/mlflow/experiments/create", {"name": name})
    assert (status, err["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")
    _, other = call(server, "POST", "/api/2.0/mlflow/experiments/create", {"name": name + "2"})
    status, err = call(server, "POST", "/api/2.0/mlflow/experiments/update",
                       {"experiment_id": other["experiment_id"], "new_name": name})  # fmt: skip
    assert (status, err["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")

    assert call(server, "POST", "/api/2.0/mlflow/experiments/delete",
                {"experiment_id": exp_id})[0] == 200  # fmt: skip
    status, got = call(server, "GET", f"/api/2.0/mlflow/experiments/get?experiment_id={exp_id}")
    assert status == 200 and got["experiment"]["lifecycle_stage"] == "deleted"
    status, err = call(server, "POST", "/api/2.0/mlflow/experiments/create", {"name": name})
    assert (status, err["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")
    assert "deleted" in err["message"]


def test_missing_job_is_400_invalid_parameter_value(server: FakeDatabricks) -> None:
    for method, path, body in (
        ("GET", "/api/2.2/jobs/get?job_id=424242", None),
        ("POST", "/api/2.2/jobs/reset", {"job_id": 424242, "new_settings": {"name": "x"}}),
        ("POST", "/api/2.2/jobs/delete", {"job_id": 424242}),
    ):
        status, err = call(server, method, path, body)
        assert (status, err["error_code"]) == (400, "INVALID_PARAMETER_VALUE"), path
        assert err["message"] == "Job 424242 does not exist."


def test_unity_catalog_models_need_three_part_names(server: FakeDatabricks) -> None:
    status, err = call(server, "GET", "/api/2.1/unity-catalog/models/ml.model")
    assert (status, err["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    status, err = call(server, "POST", "/api/2.1/unity-catalog/models",
                       {"catalog_name": "main", "schema_name": "ml.x", "name": "m"})  # fmt: skip
    assert status == 400
    body = {"catalog_name": "main", "schema_name": "ml", "name": "m"}
    assert call(server, "POST", "/api/2.1/unity-catalog/models", body)[0] == 200
    status, err = call(server, "POST", "/api/2.1/unity-catalog/models", body)
    assert (status, err["error_code"]) == (409, "RESOURCE_ALREADY_EXISTS")
    assert call(server, "GET", "/api/2.1/unity-catalog/models/main.ml.m")[0] == 200


def test_permissions_payloads_have_their_real_shapes(server: FakeDatabricks) -> None:
    _, job = call(server, "POST", "/api/2.2/jobs/create", {"name": "j"})
    path = f"/api/2.0/permissions/jobs/{job['job_id']}"
    # A level of another object type is refused (CAN_READ is for experiments).
    status, err = call(server, "PUT", path,
                       {"access_control_list": [{"group_name": "users",
                                                 "permission_level": "CAN_READ"}]})  # fmt: skip
    assert (status, err["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    # The bundle's `level` key is not the API's.
    status, _ = call(server, "PUT", path,
                     {"access_control_list": [{"group_name": "users", "level": "CAN_VIEW"}]})
    assert status == 400
    status, _ = call(server, "PUT", path, {"access_control_list": [
        {"user_name": "a@x.com", "permission_level": "IS_OWNER"},
        {"user_name": "b@x.com", "permission_level": "IS_OWNER"}]})  # fmt: skip
    assert status == 400
    acl = [{"group_name": "users", "permission_level": "CAN_VIEW"}]
    assert call(server, "PUT", path, {"access_control_list": acl})[0] == 200
    status, got = call(server, "GET", path)
    assert got["access_control_list"] == [
        {"group_name": "users",
         "all_permissions": [{"permission_level": "CAN_VIEW", "inherited": False}]}
    ]  # fmt: skip


def test_deploy_creates_the_experiment_parent_folder(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    project = make_project(tmp_path / "demo", db_env.url)
    resources = project / "resources" / "resources.yml"
    resources.write_text(
        resources.read_text().replace(
            "/Users/${workspace.current_user.userName}/${bundle.target}-demo-experiment",
            "/Shared/demo/${bundle.target}/experiment",
        )
    )
    result, _ = do_deploy(project, db_env)
    assert result.count("create") == 4
    [exp] = db_env.state.experiments.values()
    assert exp["name"] == "/Shared/demo/staging/experiment"
    assert db_env.folder_exists("/Shared/demo/staging")


def test_vanished_job_answered_with_400_is_recreated(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    project = make_project(tmp_path / "demo", db_env.url)
    do_deploy(project, db_env)
    [old] = [j for j in db_env.state.jobs if db_env.state.jobs[j]["settings"]["name"]
             == "staging-demo-score"]  # fmt: skip
    del db_env.state.jobs[old]
    result, _ = do_deploy(project, db_env)
    assert result.done["create"] == ["jobs.score_job"]
    assert any(r.path == "/api/2.2/jobs/get" and r.status == 400 for r in db_env.requests)


def test_run_now_with_an_idempotency_token_starts_one_run(server: FakeDatabricks) -> None:
    """Jobs API: a repeated run-now with the same idempotency_token returns the run it
    started; a token over 64 characters is refused."""
    task = {"task_key": "t", "notebook_task": {"notebook_path": "/x"}}
    _, job = call(server, "POST", "/api/2.2/jobs/create", {"name": "j", "tasks": [task]})
    body = {"job_id": job["job_id"], "idempotency_token": "tok-1"}
    _, first = call(server, "POST", "/api/2.2/jobs/run-now", body)
    _, second = call(server, "POST", "/api/2.2/jobs/run-now", body)
    assert first["run_id"] == second["run_id"] and len(server.state.runs) == 1
    too_long = {**body, "idempotency_token": "x" * 65}
    status, _ = call(server, "POST", "/api/2.2/jobs/run-now", too_long)
    assert status == 400


def test_folders_mkdirs_makes_parents_and_delete_needs_recursive_for_a_full_folder(
    server: FakeDatabricks,
) -> None:
    """workspace/mkdirs creates the parents and succeeds on an existing folder; it fails
    over a file (RESOURCE_ALREADY_EXISTS). workspace/delete refuses a non-empty folder
    without ``recursive`` (DIRECTORY_NOT_EMPTY), takes the whole tree with it, and says
    RESOURCE_DOES_NOT_EXIST for a path that is not there."""
    root = "/Shared/rules"
    for _ in range(2):
        assert call(server, "POST", "/api/2.0/workspace/mkdirs", {"path": f"{root}/a/b"})[0] == 200
    assert call(server, "GET", f"/api/2.0/workspace/get-status?path={root}/a")[0] == 200
    status, _ = call(server, "POST", "/api/2.0/workspace/import",
                     {"path": f"{root}/a/b/f.txt", "format": "AUTO", "content": "eA=="})
    assert status == 200
    status, err = call(server, "POST", "/api/2.0/workspace/mkdirs", {"path": f"{root}/a/b/f.txt"})
    assert (status, err["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")
    status, err = call(server, "POST", "/api/2.0/workspace/delete", {"path": f"{root}/a"})
    assert (status, err["error_code"]) == (400, "DIRECTORY_NOT_EMPTY")
    assert call(server, "POST", "/api/2.0/workspace/delete",
                {"path": f"{root}/a", "recursive": True})[0] == 200
    assert server.paths_under(f"{root}/a") == []
    status, err = call(server, "POST", "/api/2.0/workspace/delete", {"path": f"{root}/a"})
    assert (status, err["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
