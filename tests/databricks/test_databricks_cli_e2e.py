"""End to end: the real CLI deploys a generated project to the fake workspace and destroys it.

The generated project's staging target points at an https workspace (the
template only accepts https hosts). The test renders the project as a user
would, then writes the fake server's URL into ``targets.staging.workspace.host``
of ``databricks.yml`` -- the same edit a user makes to move a target to
another workspace. The CLI runs as a subprocess with only DATABRICKS_HOST and
DATABRICKS_TOKEN set and no profile file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databricks.fake_server import FakeDatabricks

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "mlops_stacks"]
ROOT = "/Workspace/Shared/.bundle/fare-demo/staging"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render") / "repo"
    proc = subprocess.run(
        [*CLI, "init", "--defaults", "--data", "project_name=fare-demo", str(out)],
        capture_output=True, text=True, env={**os.environ, "MLOPS_STACKS_NO_INPUT": "1"},
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def point_staging_at(project: Path, url: str) -> None:
    path = project / "databricks.yml"
    text = path.read_text()
    staging = re.search(r"\n  staging:\n    workspace:\n      host: (\S+)\n", text)
    assert staging, text
    path.write_text(text.replace(staging.group(0), staging.group(0).replace(staging.group(1), url)))


@pytest.fixture
def project(rendered: Path, tmp_path: Path, server: FakeDatabricks) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(rendered, repo)
    bundle_root = repo / "fare_demo"
    point_staging_at(bundle_root, server.url)
    return bundle_root


def cli(
    args: list[str], cwd: Path, server: FakeDatabricks, tmp_path: Path, token: str | None = None
):  # noqa: ANN201
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("DATABRICKS_", "ARM_", "BUNDLE_VAR_"))
    }  # fmt: skip
    env.update(
        DATABRICKS_HOST=server.url,
        DATABRICKS_TOKEN=token or server.token,
        DATABRICKS_CONFIG_FILE=str(tmp_path / "no-databrickscfg"),
        HOME=str(tmp_path / "home"),
        MLOPS_STACKS_NO_INPUT="1",
        MLOPS_STACKS_DATABRICKS_RETRY_DELAY="0.01",
        MLOPS_STACKS_DATABRICKS_POLL_INTERVAL="0.05",
        NO_COLOR="1",
    )
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_deploy_noop_run_destroy_and_redeploy_through_the_cli(
    project: Path, server: FakeDatabricks, tmp_path: Path
) -> None:
    first = cli(["deploy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Deployment complete" in first.stdout

    jobs = {j["settings"]["name"]: j["settings"] for j in server.state.jobs.values()}
    assert set(jobs) == {
        "staging-fare-demo-model-training-job",
        "staging-fare-demo-batch-inference-job",
        "staging-fare-demo-monitoring-job",
    }
    train = jobs["staging-fare-demo-model-training-job"]
    paths = [t["notebook_task"]["notebook_path"] for t in train["tasks"] if "notebook_task" in t]
    assert paths == [
        f"{ROOT}/files/training/notebooks/Train",
        f"{ROOT}/files/validation/notebooks/ModelValidation",
        f"{ROOT}/files/deployment/notebooks/ModelDeployment",
    ]
    for path in paths:
        assert server.state.objects[path].object_type == "NOTEBOOK"
    assert server.state.objects[f"{ROOT}/files/training/__init__.py"].object_type == "FILE"
    [experiment] = server.state.experiments.values()
    # A fresh workspace has no /Shared/fare-demo: deploy created the folder first.
    assert experiment["name"] == "/Shared/fare-demo/staging-fare-demo-experiment"
    assert server.folder_exists("/Shared/fare-demo")
    [model] = server.state.uc_models.values()
    assert (model["catalog_name"], model["schema_name"], model["name"]) == (
        "staging",
        "fare_demo",
        "fare_demo_model",
    )
    [grants] = server.state.grants.values()
    assert {p for privs in grants.values() for p in privs} == {"EXECUTE"}
    assert server.state.permissions[("experiments", experiment["experiment_id"])]

    mark = server.mark()
    again = cli(["deploy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 changed, 0 deleted, 5 unchanged" in again.stdout
    writes = [(r.path, (r.body or {}).get("path")) for r in server.writes(mark)]
    lock = f"{ROOT}/state/deploy.lock"
    assert writes == [("/api/2.0/workspace/import", lock), ("/api/2.0/workspace/delete", lock)]

    ran = cli(["run", "model_training_job", "-t", "staging"], project, server, tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    gone = cli(["destroy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert server.is_empty(ROOT)

    # After a destroy the experiment sits in the trash under the same name: the next
    # deploy restores it instead of failing on the name.
    back = cli(["deploy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert back.returncode == 0, back.stdout + back.stderr
    assert "5 created, 0 changed, 0 deleted, 0 unchanged" in back.stdout
    [experiment] = server.state.experiments.values()
    assert experiment["lifecycle_stage"] == "active"

    for proc in (first, again, ran, gone, back):
        assert server.token not in proc.stdout + proc.stderr


def test_rejected_token_exits_1_with_a_clear_message(
    project: Path, server: FakeDatabricks, tmp_path: Path
) -> None:
    proc = cli(
        ["deploy", "-t", "staging", "--auto-approve"],
        project,
        server,
        tmp_path,
        token="dapi-revoked-0000000000",
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert server.url in out and "401" in out and "DATABRICKS_TOKEN" in out
    assert "dapi-revoked-0000000000" not in out
    assert "Traceback" not in out
    assert not server.writes()


def test_server_failing_forever_exits_1_and_next_deploy_converges(
    project: Path, server: FakeDatabricks, tmp_path: Path
) -> None:
    server.fail("POST", "/api/2.2/jobs/create", status=500)
    proc = cli(["deploy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert proc.returncode == 1
    assert "500" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    assert not server.state.jobs
    server.clear_faults()
    proc = cli(["deploy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "3 created, 0 changed, 0 deleted, 2 unchanged" in proc.stdout
    assert len(server.state.jobs) == 3


def test_run_follows_task_states_from_the_server(
    project: Path, server: FakeDatabricks, tmp_path: Path
) -> None:
    deployed = cli(["deploy", "-t", "staging", "--auto-approve"], project, server, tmp_path)
    assert deployed.returncode == 0, deployed.stderr
    ok = cli(
        ["run", "model_training_job", "-t", "staging", "-o", "json"], project, server, tmp_path
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    record = json.loads(ok.stdout)
    assert record["state"] == "SUCCESS"
    assert {t["key"]: t["state"] for t in record["tasks"]} == {
        "Train": "SUCCESS",
        "ModelValidation": "SUCCESS",
        "ModelDeployment": "SUCCESS",
    }
    assert record["url"].startswith(server.url + "/jobs/")

    server.failing_tasks = {"Train"}
    failed = cli(["run", "model_training_job", "-t", "staging"], project, server, tmp_path)
    assert failed.returncode == 1
    assert "failed" in (failed.stdout + failed.stderr).lower()

    started = cli(
        ["run", "batch_inference_job", "-t", "staging", "--no-wait"], project, server, tmp_path
    )
    assert started.returncode == 0, started.stderr
    assert "Started run" in started.stdout
    run_nows = [r for r in server.requests if r.path == "/api/2.2/jobs/run-now"]
    assert len(run_nows) == 3
