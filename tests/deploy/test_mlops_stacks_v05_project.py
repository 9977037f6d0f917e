"""The project shaped like one MLOps Stacks v0.5 generates (``tests/bundle/v05_project.py``),
with a quality monitor and a training notebook that uses the Spark session and reads
the monitor's metric table.

It deploys to the local workspace, and ``run`` stops before any task starts,
naming the notebook and line that needs Databricks (the metric table; the Spark
session itself runs locally with the ``[spark]`` extra, tests/runner/spark).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from tests.bundle.v05_project import write_v05_project

MONITORING = """\
resources:
  quality_monitors:
    fare_model_quality_monitor:
      table_name: ${var.catalog_name}.fare_model.predictions
      assets_dir: /Workspace/Shared/fare_model/monitoring
      output_schema_name: ${var.catalog_name}.fare_model
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
metrics = spark.table("local.fare_model.predictions_profile_metrics")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "fare_model"
    write_v05_project(
        root,
        {"resources/monitoring-resource.yml": MONITORING, "training/Train.py": TRAIN},
        includes=("resources/monitoring-resource.yml",),
    )
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


def test_v05_shaped_project_deploys_locally_and_metric_tables_stop_the_run(
    project: Path,
) -> None:
    code, out = cli("deploy", "-t", "local", "--auto-approve")
    assert code == 0, out
    assert "5 created" in out, out
    assert "quality_monitors (fare_model_quality_monitor)" in out

    code, out = cli("run", "model_training_job", "-t", "local")
    assert code == 1, out
    assert "no task was started" in out
    assert "training/Train.py:13" in out and "Lakehouse Monitoring" in out
    assert "Traceback" not in out
    runs = project / ".mlops-stacks" / "local" / "runs"
    # no run record (runs/.active names the runs still going on: none)
    assert not runs.exists() or not any(not r.name.startswith(".") for r in runs.iterdir())
