"""What ``run`` tells about the deployed copy before a run, and what the run produced after
it: through the real CLI, with a real MLflow store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.deploy.bundle_project import cli, make_project

TRAIN = """# Databricks notebook source
import os
import mlflow
from mlflow import MlflowClient

mlflow.set_experiment("/Shared/demo-results")
with mlflow.start_run(run_name="train") as run:
    mlflow.log_metric("rmse", 1.25)
    mlflow.log_metric("r2", 0.75)
client = MlflowClient()
[model] = client.search_registered_models()
version = client.create_model_version(
    model.name, source=run.info.artifact_uri, run_id=run.info.run_id)
client.set_registered_model_alias(model.name, "champion", version.version)
os.makedirs("../../outputs", exist_ok=True)
with open("../../outputs/predictions.csv", "w") as f:
    f.write("prediction\\n1.0\\n")
print("{marker}")
"""


def test_stale_files_are_named_and_run_deploy_runs_the_new_code(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    notebook = project / "training" / "notebooks" / "Train.py"
    notebook.write_text(TRAIN.format(marker="old code"))
    cli(project, "deploy", check=True)

    notebook.write_text(TRAIN.format(marker="new code"))
    stale = cli(project, "run", "train_job")
    assert stale.returncode == 0, stale.stderr
    assert "Warning: The project differs from what is deployed" in stale.stderr
    assert "training/notebooks/Train.py (changed)" in stale.stderr
    assert "mlops-stacks run train_job -t local --deploy" in stale.stderr
    # A warning as a diagnostic: a GitHub annotation in Actions, an error under --strict.
    annotated = cli(project, "run", "train_job", env={"GITHUB_ACTIONS": "true"})
    assert "::warning" in annotated.stderr and "Train.py (changed)" in annotated.stderr
    runs_before = len(json.loads(cli(project, "runs", "list", "-o", "json").stdout))
    strict = cli(project, "run", "train_job", "--strict")
    assert strict.returncode == 1 and "Error: The project differs" in strict.stderr
    assert len(json.loads(cli(project, "runs", "list", "-o", "json").stdout)) == runs_before

    fresh = cli(project, "run", "train_job", "--deploy", "-o", "json")
    assert fresh.returncode == 0, fresh.stderr
    assert "differs" not in fresh.stderr
    data = json.loads(fresh.stdout)
    log = Path(data["tasks"][0]["log_path"]).read_text()
    assert "new code" in log
    results = data["results"]
    [run] = results["mlflow_runs"]
    assert run["metrics"] == {"r2": 0.75, "rmse": 1.25}
    assert run["experiment"] == "/Shared/demo-results"
    assert run["url"].startswith("http://127.0.0.1:5000/#/experiments/")
    [version] = results["model_versions"]
    assert version["version"] == "3"
    assert results["alias_moves"] == [
        {"model": version["name"], "alias": "champion", "before": "2", "after": "3"}]
    files = project / ".mlops-stacks" / "local" / "files"
    assert results["outputs"] == [str(files / "outputs" / "predictions.csv")]

    text = cli(project, "run", "train_job", check=True).stdout
    assert "rmse=1.25" in text
    assert f"{version['name']}: version 4 registered" in text
    assert f"{version['name']}: @champion moved from version 3 to 4" in text
    assert str(files / "outputs" / "predictions.csv") in text
    assert "MLflow UI (after `mlops-stacks open`): http://127.0.0.1:5000/#/experiments/" in text
