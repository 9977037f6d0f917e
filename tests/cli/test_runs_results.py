"""A run's results after the run, through the real CLI and a real MLflow store: `runs get`
repeats them (text and JSON), `runs list --metric NAME` compares runs, and the parameters a
run's MLflow runs logged are shown with their metrics."""

from __future__ import annotations

import json
from pathlib import Path

from tests.deploy.bundle_project import cli, make_project

TRAIN = """# Databricks notebook source
import mlflow
from mlflow import MlflowClient

depth = int(dbutils.widgets.get("depth"))
mlflow.set_experiment("/Shared/demo-results")
with mlflow.start_run(run_name="train") as run:
    mlflow.log_param("depth", depth)
    mlflow.log_metric("score", depth / 10)
client = MlflowClient()
[model] = client.search_registered_models()
version = client.create_model_version(
    model.name, source=run.info.artifact_uri, run_id=run.info.run_id)
client.set_registered_model_alias(model.name, "champion", version.version)
"""


def test_runs_get_repeats_results_and_runs_list_compares_a_metric(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    (project / "training" / "notebooks" / "Train.py").write_text(TRAIN)
    jobs = project / "resources" / "jobs-resource.yml"
    jobs.write_text(jobs.read_text().replace(
        "      name: ${bundle.target}-demo-train\n",
        "      name: ${bundle.target}-demo-train\n"
        "      parameters:\n        - name: depth\n          default: \"3\"\n"))
    cli(project, "deploy", check=True)
    first = json.loads(cli(project, "run", "train_job", "-o", "json", check=True).stdout)
    second = cli(project, "run", "train_job", "--params", "depth=7", check=True).stdout
    assert "params: depth=7" in second and "score=0.7" in second
    [listed_second, listed_first] = json.loads(
        cli(project, "runs", "list", "-o", "json", check=True).stdout)
    assert listed_first["run_id"] == first["run_id"]

    text = cli(project, "runs", "get", listed_second["run_id"], check=True).stdout
    assert "params: depth=7" in text and "score=0.7" in text
    assert "@champion moved from version 1 to 2" in text
    got = json.loads(cli(project, "runs", "get", first["run_id"], "-o", "json",
                         check=True).stdout)
    [run] = got["results"]["mlflow_runs"]
    assert run["metrics"] == {"score": 0.3} and run["params"] == {"depth": "3"}
    assert got["results"]["alias_moves"][0]["after"] == "1"

    table = cli(project, "runs", "list", "--metric", "score", check=True).stdout
    header, *rows = table.splitlines()
    assert header.split("\t")[-1] == "score", table
    assert [row.split("\t")[-1] for row in rows] == ["0.7", "0.3"], table
    data = json.loads(cli(project, "runs", "list", "--metric", "score", "-o", "json",
                          check=True).stdout)
    assert [r["metrics"] for r in data] == [{"score": 0.7}, {"score": 0.3}]
    nothing = cli(project, "runs", "list", "--metric", "rmse", check=True)
    assert "No run here logged rmse" in nothing.stderr


LOG_TO_EXPERIMENT = """# Databricks notebook source
import mlflow

[exp] = mlflow.search_experiments(filter_string="name LIKE '%local-demo-experiment'")
with mlflow.start_run(experiment_id=exp.experiment_id, run_name="train"):
    mlflow.log_metric("score", 0.5)
    mlflow.log_text("weights", "model.txt")
"""


def test_destroy_deletes_the_experiment_with_its_runs_and_a_redeploy_starts_empty(
        tmp_path: Path) -> None:
    from tests.deploy.bundle_project import store_names

    project = make_project(tmp_path / "demo")
    (project / "training" / "notebooks" / "Train.py").write_text(LOG_TO_EXPERIMENT)
    cli(project, "deploy", check=True)
    cli(project, "run", "train_job", check=True)
    artifacts = project / ".mlops-stacks" / "local" / "mlflow" / "artifacts"
    assert list(artifacts.rglob("model.txt"))

    asked = cli(project, "destroy")  # no terminal: lists what goes, deletes nothing
    assert asked.returncode == 1 and "local-demo-experiment, id 1) (and its data)" in asked.stderr
    cli(project, "destroy", "--auto-approve", check=True)
    exps, _models = store_names(project)
    assert exps == []  # not in MLflow's trash either
    assert not list(artifacts.rglob("model.txt"))

    cli(project, "deploy", check=True)
    exps, _models = store_names(project)
    assert [e.rsplit("/", 1)[1] for e in exps] == ["local-demo-experiment"]
    table = cli(project, "runs", "list", "--metric", "score", check=True).stdout
    assert "No runs" in table
    import sqlite3

    db = project / ".mlops-stacks" / "local" / "mlflow" / "mlflow.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
