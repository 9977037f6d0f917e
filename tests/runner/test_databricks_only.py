"""The pre-run check that names Databricks-only lines of a job's notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner.databricks_only import check_databricks_only, scan

NOTEBOOK = """\
# Databricks notebook source
# spark.read in a comment is fine
import pandas as pd
# MAGIC %sql
# MAGIC SELECT 1
df = pd.read_csv("/dbfs/databricks-datasets/x.csv")
from databricks.feature_engineering import FeatureEngineeringClient
text = "no spark here"
"""


def test_each_rule_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nb.py"
    path.write_text(NOTEBOOK)
    found = [(f.line, f.what) for f in scan(path, "nb.py", spark_engine=False)]
    assert found == [(4, "sql-cell"), (6, "databricks-datasets"), (7, "feature-engineering")]


def test_with_the_spark_engine_spark_sql_cells_and_the_taxi_sample_are_provided(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nb.py"
    path.write_text(NOTEBOOK + "df = spark.read.load('/databricks-datasets/nyctaxi-with-zipcodes"
                    "/subsampled')\n# the _profile_metrics table in a comment is fine\n"
                    "m = spark.table('main.s.predictions_profile_metrics')\n"
                    "# MAGIC %scala\n")
    found = [(f.line, f.what) for f in scan(path, "nb.py", spark_engine=True)]
    assert found == [(6, "databricks-datasets"), (11, "lakehouse-monitoring"),
                     (12, "language-cell")]


def test_without_the_spark_engine_the_spark_line_names_the_extra(tmp_path: Path) -> None:
    path = tmp_path / "nb.py"
    path.write_text("df = spark.table('t')\n")
    (finding,) = scan(path, "nb.py", spark_engine=False)
    assert 'pip install "mlops-stacks[spark]"' in finding.fix
    assert scan(path, "nb.py", spark_engine=True) == []


def test_a_notebook_with_its_own_session_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "own.py"
    path.write_text("from pyspark.sql import SparkSession\n"
                    "spark = SparkSession.builder.getOrCreate()\nspark.range(3).count()\n")
    assert scan(path, "own.py") == []


def test_check_raises_with_file_and_line_relative_to_the_root(tmp_path: Path) -> None:
    path = tmp_path / "training" / "Train.py"
    path.parent.mkdir()
    path.write_text("x = 1\ndf = spark.table('t')\n")
    with pytest.raises(RunError) as info:
        check_databricks_only({"Train": path}, "train_job", tmp_path, spark_engine=False)
    assert "training/Train.py:2:" in str(info.value)
    assert "no task was started" in str(info.value)
    check_databricks_only({"Train": tmp_path / "missing.py"}, "train_job", tmp_path)
