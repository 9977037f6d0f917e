"""A project shaped like one the MLOps Stacks v0.5 template generates (written here, small):
variables for the experiment and model names, YAML anchors for clusters and permissions,
Unity Catalog grants, a quality monitor, notebooks that use the Spark session.

It deploys to the local workspace, and ``run`` stops before any task starts,
naming the notebook and line that needs Databricks.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app

DATABRICKS_YML = """\
# The local target is the one line an existing project adds to run locally.
bundle:
  name: my_mlops_project

variables:
  experiment_name:
    description: Experiment name for the model training.
    default: /Users/${workspace.current_user.userName}/${bundle.target}-my_mlops_project-experiment
  model_name:
    description: Model name for the model training.
    default: ${bundle.target}-my_mlops_project-model

include:
  - ./resources/*.yml

targets:
  local:
    workspace:
      host: local
  dev:
    default: true
    workspace:
      host: https://adb-1234567890123456.7.azuredatabricks.net
  staging:
    workspace:
      host: https://adb-1234567890123456.7.azuredatabricks.net
  prod:
    workspace:
      host: https://adb-1234567890123456.7.azuredatabricks.net
"""

ML_ARTIFACTS = """\
common_permissions: &permissions
  permissions:
    - level: CAN_READ
      group_name: users

grant: &grants
  grants:
    - privileges:
        - EXECUTE
      principal: account users

resources:
  registered_models:
    model:
      name: ${var.model_name}
      catalog_name: ${bundle.target}
      schema_name: my_mlops_project
      comment: Registered model in Unity Catalog for my_mlops_project (${bundle.target}).
      <<: *grants

  experiments:
    experiment:
      name: ${var.experiment_name}
      <<: *permissions
"""

WORKFLOW = """\
new_cluster: &new_cluster
  new_cluster:
    num_workers: 3
    spark_version: 15.3.x-cpu-ml-scala2.12
    node_type_id: i3.xlarge
    custom_tags:
      clusterSource: mlops-stacks_0.5

common_permissions: &permissions
  permissions:
    - level: CAN_VIEW
      group_name: users

resources:
  jobs:
    model_training_job:
      name: ${bundle.target}-my_mlops_project-model-training-job
      job_clusters:
        - job_cluster_key: model_training_job_cluster
          <<: *new_cluster
      tasks:
        - task_key: Train
          job_cluster_key: model_training_job_cluster
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
            base_parameters:
              env: ${bundle.target}
              experiment_name: ${var.experiment_name}
              model_name: ${var.model_name}
        - task_key: ModelValidation
          job_cluster_key: model_training_job_cluster
          depends_on:
            - task_key: Train
          notebook_task:
            notebook_path: ../validation/notebooks/ModelValidation.py
            base_parameters:
              experiment_name: ${var.experiment_name}
      schedule:
        quartz_cron_expression: "0 0 9 * * ?"
        timezone_id: UTC
      <<: *permissions
"""

MONITORING = """\
resources:
  quality_monitors:
    my_mlops_project_quality_monitor:
      table_name: ${bundle.target}.my_mlops_project.predictions
      assets_dir: /Workspace/Shared/my_mlops_project/monitoring
      output_schema_name: ${bundle.target}.my_mlops_project
      inference_log:
        granularities: [1 day]
        timestamp_col: timestamp
        prediction_col: prediction
        model_id_col: model_id
        problem_type: PROBLEM_TYPE_REGRESSION
      schedule:
        quartz_cron_expression: "0 0 * * * ?"
        timezone_id: UTC
"""

TRAIN = """\
# Databricks notebook source
# MAGIC %md
# MAGIC ## Train (spark is the Databricks session)

# COMMAND ----------

dbutils.widgets.text("env", "staging", label="Environment")
env = dbutils.widgets.get("env")

# COMMAND ----------

raw_data = spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
"""

VALIDATION = """\
# Databricks notebook source
import mlflow

print(mlflow.__version__)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "my_mlops_project"
    files = {
        "databricks.yml": DATABRICKS_YML,
        "resources/ml-artifacts-resource.yml": ML_ARTIFACTS,
        "resources/model-workflow-resource.yml": WORKFLOW,
        "resources/monitoring-resource.yml": MONITORING,
        "training/notebooks/Train.py": TRAIN,
        "validation/notebooks/ModelValidation.py": VALIDATION,
        "requirements.txt": "mlflow\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.setenv("MLOPS_STACKS_BUNDLE_ROOT", str(root))
    monkeypatch.setenv("MLOPS_STACKS_NO_INPUT", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return root


def cli(*args: str) -> tuple[int, str]:
    terminal.reset()
    terminal.DEBUG = False
    res = CliRunner().invoke(app, list(args))
    terminal.reset()
    return res.exit_code, res.stdout + res.stderr


def test_v05_shaped_project_deploys_locally_and_spark_is_stopped_before_the_run(
    project: Path,
) -> None:
    code, out = cli("deploy", "-t", "local", "--auto-approve")
    assert code == 0, out
    assert "3 created" in out or "4 created" in out, out
    assert "quality_monitors (my_mlops_project_quality_monitor)" in out

    code, out = cli("run", "model_training_job", "-t", "local")
    assert code == 1, out
    assert "no task was started" in out
    assert "training/notebooks/Train.py:12" in out and "`spark` session" in out
    assert "Traceback" not in out
    runs = project / ".mlops-stacks" / "local" / "runs"
    assert not runs.exists() or not any(runs.iterdir())
