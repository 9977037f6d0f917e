# Databricks notebook source
# MAGIC %md
# MAGIC # GenerateAndWriteFeatures
# MAGIC
# MAGIC Computes per-zip trip statistics from `input_data_path` and writes the feature table
# MAGIC (CSV) to `feature_table_path`; training and batch inference join it on the zip codes.
# MAGIC Both paths are relative to the bundle root.

# COMMAND ----------

# MAGIC %pip install -r ../../requirements.txt

# COMMAND ----------

import os

if "DATABRICKS_RUNTIME_VERSION" in os.environ:
    dbutils.library.restartPython()  # noqa: F821 - load the packages installed above

# COMMAND ----------

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.getcwd(), "..", "..")))

dbutils.widgets.text("input_data_path", "data/taxi_trips.csv", label="Raw trips")
dbutils.widgets.text(
    "feature_table_path", "outputs/features/zip_features.csv", label="Feature table"
)

# COMMAND ----------

from common.data import load_trips
from feature_engineering.zip_features import compute_zip_features, write_feature_table

trips = load_trips(dbutils.widgets.get("input_data_path"), require_label=False)
table = compute_zip_features(trips)
written = write_feature_table(table, dbutils.widgets.get("feature_table_path"))
print(f"Wrote {len(table)} zip feature rows to {written}")

# COMMAND ----------

dbutils.jobs.taskValues.set("feature_table_path", str(written))
dbutils.jobs.taskValues.set("feature_rows", len(table))
