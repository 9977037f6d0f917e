"""Notebooks for the v0.5-shaped project (``tests/bundle/v05_project.py``) written the
way Databricks notebooks are: the ``spark`` session, ``/databricks-datasets``,
``dbfs:/`` paths, three-level names, ``databricks-uc``, ``%cd $notebook_path``,
``%pip``, ``%load_ext autoreload``, ``display`` and ``spark_udf(env_manager=...)``.
Written for these tests (not copied from any project)."""

from __future__ import annotations

TRAIN = '''\
# Databricks notebook source
# MAGIC %load_ext autoreload
# MAGIC %autoreload 2

# COMMAND ----------

import os
notebook_path = '/Workspace/' + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get())
%cd $notebook_path
%cd ..

# COMMAND ----------

# MAGIC %pip install -r ../requirements.txt

# COMMAND ----------

from training_helpers import feature_columns

dbutils.widgets.text("training_data_path", "/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
dbutils.widgets.text("experiment_name", "/fare-experiment")
dbutils.widgets.text("model_name", "dev.fare_model.fare_model-model")
model_name = dbutils.widgets.get("model_name")

# COMMAND ----------

import mlflow
from sklearn.linear_model import LinearRegression

mlflow.set_registry_uri("databricks-uc")
mlflow.set_experiment(dbutils.widgets.get("experiment_name"))
training_df = spark.read.format("delta").load(dbutils.widgets.get("training_data_path"))
training_df.display()
data = training_df.toPandas()
X, y = data[feature_columns()], data["fare_amount"]
with mlflow.start_run():
    mlflow.sklearn.log_model(LinearRegression().fit(X, y), name="model",
                             input_example=X.head(3), registered_model_name=model_name)
    mlflow.log_metric("rows", len(data))
version = max(int(v.version) for v in
              mlflow.MlflowClient().search_model_versions(f"name='{model_name}'"))
dbutils.jobs.taskValues.set("model_uri", f"models:/{model_name}/{version}")
dbutils.jobs.taskValues.set("model_name", model_name)
dbutils.jobs.taskValues.set("model_version", version)
dbutils.notebook.exit(f"models:/{model_name}/{version}")
'''

HELPERS = '''\
def feature_columns():
    return ["trip_distance", "pickup_zip", "dropoff_zip"]
'''

VALIDATION = '''\
# Databricks notebook source
import mlflow
from mlflow import MlflowClient

client = MlflowClient(registry_uri="databricks-uc")
model_name = dbutils.jobs.taskValues.get("Train", "model_name")
model_version = dbutils.jobs.taskValues.get("Train", "model_version")
data = spark.sql(
    "SELECT * FROM delta.`dbfs:/databricks-datasets/nyctaxi-with-zipcodes/subsampled`")
assert data.count() > 100, data.count()
description = client.get_model_version(model_name, model_version).description
description += "Validation: rows checked"
client.update_model_version(name=model_name, version=model_version, description=description)
client.set_registered_model_alias(model_name, "challenger", model_version)
'''

DEPLOYMENT = '''\
# Databricks notebook source
from mlflow import MlflowClient

mlflow_client = MlflowClient()
model_name = dbutils.jobs.taskValues.get("Train", "model_name")
version = dbutils.jobs.taskValues.get("Train", "model_version")
mlflow_client.set_registered_model_alias(model_name, "champion", version)
'''

BATCH = '''\
# Databricks notebook source
dbutils.widgets.text("input_table_name", "")
dbutils.widgets.text("output_table_name", "")
dbutils.widgets.text("model_name", "")

# COMMAND ----------

import mlflow
from pyspark.sql.functions import lit, struct, to_timestamp

mlflow.set_registry_uri("databricks-uc")
table = spark.table(dbutils.widgets.get("input_table_name"))
predict = mlflow.pyfunc.spark_udf(
    spark, f"models:/{dbutils.widgets.get('model_name')}@champion", result_type="double",
    env_manager="virtualenv")
output_df = (table.withColumn("prediction", predict(struct(*table.columns)))
             .withColumn("timestamp", to_timestamp(lit("2026-01-01 00:00:00"))))
output_df.display()
output_df.write.format("delta").mode("overwrite").saveAsTable(
    dbutils.widgets.get("output_table_name"))
dbutils.notebook.exit(dbutils.widgets.get("output_table_name"))
'''

SCORING_INPUT = '''\
# Databricks notebook source
# MAGIC %sql
# MAGIC CREATE SCHEMA IF NOT EXISTS local.fare_model

# COMMAND ----------

(spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
 .select("trip_distance", "pickup_zip", "dropoff_zip").limit(50)
 .write.saveAsTable("local.fare_model.feature_store_inference_input"))
'''

SCORING_JOB = '''\
resources:
  jobs:
    make_scoring_input:
      name: make-scoring-input
      tasks:
        - task_key: make_input
          notebook_task:
            notebook_path: ../deployment/batch_inference/MakeScoringInput.py
    read_predictions:
      name: read-predictions
      tasks:
        - task_key: read
          notebook_task:
            notebook_path: ../deployment/batch_inference/ReadPredictions.py
'''

READ_PREDICTIONS = '''\
# Databricks notebook source
predictions = spark.table("local.fare_model.predictions").toPandas()
assert len(predictions) == 50, len(predictions)
assert predictions["prediction"].notna().all()
assert predictions["prediction"].between(0, 500).all(), predictions["prediction"].describe()
'''

FILES = {
    "training/Train.py": TRAIN,
    "training_helpers.py": HELPERS,
    "validation/ModelValidation.py": VALIDATION,
    "deployment/model_deployment/ModelDeployment.py": DEPLOYMENT,
    "deployment/batch_inference/BatchInference.py": BATCH,
    "deployment/batch_inference/MakeScoringInput.py": SCORING_INPUT,
    "resources/scoring-input-resource.yml": SCORING_JOB,
    "deployment/batch_inference/ReadPredictions.py": READ_PREDICTIONS,
    "requirements.txt": "scikit-learn\nmlflow\n",
}
