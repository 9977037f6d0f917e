"""A project shaped like one MLOps Stacks v0.5 generates (``tests/bundle/v05_project.py``):
`validate --strict` for every target, `plan` and `deploy -t local` must succeed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bundle.v05_project import WORKFLOW, write_v05_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stacks") / "fare_model"
    write_v05_project(root)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://github.com/acme/fare_model.git"],
                   cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], cwd=root, check=True)
    return root


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "BUNDLE_"))}
    env.update(NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("target", ["local", "dev", "staging", "prod", "test"])
def test_every_target_validates(project: Path, target: str) -> None:
    result = _cli(project, "validate", "-t", target, "-o", "json", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    params = data["resources"]["jobs"]["model_training_job"]["tasks"][0]["notebook_task"][
        "base_parameters"]
    assert params["git_source_info"].startswith(
        "url:https://github.com/acme/fare_model.git; branch:main; commit:")
    validation = data["resources"]["jobs"]["model_training_job"]["tasks"][1]
    assert validation["notebook_task"]["base_parameters"]["max_rows"] == "1000"


@pytest.mark.slow
def test_plan_and_deploy_to_the_local_target(project: Path) -> None:
    plan = _cli(project, "plan", "-o", "json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    planned = {(a["kind"], a["key"]) for a in json.loads(plan.stdout)["actions"]}
    assert {("jobs", "model_training_job"), ("jobs", "batch_inference_job"),
            ("experiments", "experiment"), ("registered_models", "model")} <= planned
    deploy = _cli(project, "deploy", "--auto-approve")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    again = _cli(project, "plan", "-o", "json")
    assert json.loads(again.stdout)["summary"]["add"] == 0


#: The training workflow of a classic-compute MLOps Stacks project whose ``job_clusters``
#: block was commented out while its tasks still name the cluster.
_NO_CLUSTERS = {"resources/model-workflow-resource.yml": re.sub(
    r"      environments:\n(        .*\n|          .*\n)+", "", WORKFLOW.replace(
        "environment_key: default\n", "job_cluster_key: model_training_job_cluster\n"))}


@pytest.mark.slow
def test_tasks_naming_an_undefined_job_cluster_validate_with_a_warning_and_deploy(
        tmp_path: Path) -> None:
    root = write_v05_project(tmp_path / "fare_model", extra=_NO_CLUSTERS)
    result = _cli(root, "validate", "-o", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [d for d in json.loads(result.stdout)["diagnostics"]
                if d["severity"] == "warning"]
    assert [d["path"] for d in warnings] == [
        "resources.jobs.model_training_job.tasks[0].job_cluster_key",
        "resources.jobs.model_training_job.tasks[1].job_cluster_key",
        "resources.jobs.model_training_job.tasks[2].job_cluster_key",
    ]
    assert "model_training_job_cluster" in warnings[0]["summary"]
    assert _cli(root, "validate", "--strict").returncode == 1
    deploy = _cli(root, "deploy", "--auto-approve")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
