"""A feature-store project in the shape of an older MLOps Stacks version (written for
this test): a feature job, training with point-in-time lookups and batch scoring run
locally on the Feature Engineering stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app

pytest.importorskip("pysail")
pytestmark = pytest.mark.slow

BUNDLE = """
bundle: {name: taxi_features}
resources:
  jobs:
    feature_training_job:
      name: feature-training
      tasks:
        - task_key: PickupFeatures
          notebook_task: {notebook_path: ./feature_engineering/PickupFeatures.py}
        - task_key: Train
          depends_on: [{task_key: PickupFeatures}]
          notebook_task: {notebook_path: ./training/Train.py}
        - task_key: BatchScoring
          depends_on: [{task_key: Train}]
          notebook_task: {notebook_path: ./deployment/BatchScoring.py}
targets:
  local: {default: true, workspace: {host: local}}
"""

FEATURES = """\
# Databricks notebook source
import datetime as dt
from databricks.feature_store import FeatureStoreClient
from pyspark.sql import functions as F

fs = FeatureStoreClient()
spark.sql("CREATE SCHEMA IF NOT EXISTS local.fs")

# Point in time, on rows whose answer is known: a lookup gets the latest values at or
# before its timestamp, never later ones, and nothing before the first.
day = lambda d: dt.datetime(2024, 1, d)
tiny = spark.createDataFrame([(1, day(1), 10.0), (1, day(3), 30.0), (2, day(1), 5.0)],
                             "k long, ts timestamp, v double")
fs.create_table(name="local.fs.tiny", primary_keys=["k", "ts"], timestamp_keys=["ts"], df=tiny)
rows = spark.createDataFrame([(1, day(2)), (1, day(3)), (1, day(4)), (2, day(9)),
                              (1, dt.datetime(2023, 12, 31))], "k long, at timestamp")
from databricks.feature_store import FeatureLookup
got = fs.create_training_set(df=rows, feature_lookups=[FeatureLookup(
    table_name="local.fs.tiny", lookup_key="k", timestamp_lookup_key="at")]).load_df().toPandas()
assert got["v"].tolist()[:4] == [10.0, 30.0, 30.0, 5.0], got
assert got["v"].isna().tolist() == [False] * 4 + [True], got

trips = spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
pickup = (trips.withColumn("ts", F.date_trunc("hour", "tpep_pickup_datetime"))
          .groupBy("pickup_zip", "ts")
          .agg(F.avg("trip_distance").alias("mean_distance"), F.count("*").alias("trips")))
fs.create_table(name="local.fs.pickup_features", primary_keys=["pickup_zip", "ts"],
                timestamp_keys=["ts"], df=pickup)
fs.write_table(name="local.fs.pickup_features", df=pickup.limit(5), mode="merge")
assert fs.read_table(name="local.fs.pickup_features").count() == pickup.count()
"""

TRAIN = """\
# Databricks notebook source
import mlflow
import mlflow.sklearn
from databricks.feature_engineering import FeatureEngineeringClient, FeatureLookup
from sklearn.linear_model import LinearRegression

fe = FeatureEngineeringClient()
raw = (spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
       .select("pickup_zip", "tpep_pickup_datetime", "trip_distance", "fare_amount"))
lookups = [FeatureLookup(table_name="local.fs.pickup_features", lookup_key="pickup_zip",
                         timestamp_lookup_key="tpep_pickup_datetime",
                         feature_names=["mean_distance", "trips"])]
training_set = fe.create_training_set(df=raw, feature_lookups=lookups, label="fare_amount",
                                      exclude_columns=["tpep_pickup_datetime"])
data = training_set.load_df().toPandas()
assert len(data) == raw.count() and not data.isna().any().any(), data.isna().sum()
X, y = data.drop(columns=["fare_amount"]), data["fare_amount"]
mlflow.set_experiment("/taxi-features")
with mlflow.start_run():
    fe.log_model(model=LinearRegression().fit(X, y), artifact_path="model", flavor=mlflow.sklearn,
                 training_set=training_set, registered_model_name="local.fs.fare_model",
                 input_example=X.head(2))
mlflow.MlflowClient().set_registered_model_alias("local.fs.fare_model", "champion", "1")
"""

SCORING = """\
# Databricks notebook source
from databricks.feature_engineering import FeatureEngineeringClient

fe = FeatureEngineeringClient()
batch = (spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
         .select("pickup_zip", "tpep_pickup_datetime", "trip_distance").limit(100))
scored = fe.score_batch(model_uri="models:/local.fs.fare_model@champion", df=batch)
scored.write.mode("overwrite").saveAsTable("local.fs.predictions")
"""

def test_features_training_and_scoring_with_point_in_time_lookups(tmp_path: Path) -> None:
    root = tmp_path / "taxi_features"
    files = {"databricks.yml": BUNDLE, "feature_engineering/PickupFeatures.py": FEATURES,
             "training/Train.py": TRAIN, "deployment/BatchScoring.py": SCORING}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    env = {"MLOPS_STACKS_BUNDLE_ROOT": str(root), "MLOPS_STACKS_NO_INPUT": "1",
           "COLUMNS": "200", "MLOPS_STACKS_SPARK_REMOTE": ""}

    def cli(*args: str) -> tuple[int, str]:
        terminal.reset()
        terminal.DEBUG = False
        res = CliRunner().invoke(app, list(args), env=env)
        terminal.reset()
        return res.exit_code, res.stdout + res.stderr

    code, out = cli("deploy", "--auto-approve")
    assert code == 0, out
    code, out = cli("run", "feature_training_job", "-o", "json")
    assert code == 0, out
    run = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    assert run["state"] == "SUCCESS", [t.get("error") for t in run["tasks"]]
    table = root / ".mlops-stacks/local/catalog/local/fs/predictions/_delta_log"
    assert table.is_dir()
    done = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "sql", "-o", "json",
         "SELECT count(*) AS n, count(prediction) AS scored, count(mean_distance) AS features "
         "FROM local.fs.predictions"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == [[100, 100, 100]]
