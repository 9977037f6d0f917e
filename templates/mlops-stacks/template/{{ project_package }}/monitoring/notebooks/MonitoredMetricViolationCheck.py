# Databricks notebook source
# MAGIC %md
# MAGIC # MonitoredMetricViolationCheck
# MAGIC
# MAGIC Compares the predictions written by the batch inference job with their labels and checks
# MAGIC the limits in `monitoring/monitoring_config.py` (or the `metric_thresholds` parameter, e.g.
# MAGIC `r2_score>=0.95,root_mean_squared_error<=3`). Sets the task value `is_metric_violated`
# MAGIC that the job's condition task reads to trigger retraining.

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

dbutils.widgets.text(
    "scored_data_path", "outputs/predictions/batch_predictions.csv", label="Scored trips"
)
dbutils.widgets.text("metric_thresholds", "", label="Threshold overrides")

# COMMAND ----------

import pandas as pd

from common.paths import bundle_path
from monitoring.monitor import check, parse_thresholds

scored_path = bundle_path(dbutils.widgets.get("scored_data_path"))
if not scored_path.is_file():
    raise FileNotFoundError(
        f"no scored data at {scored_path}: run batch_inference_job first "
        "(or point scored_data_path at a predictions CSV)"
    )
report = check(pd.read_csv(scored_path), parse_thresholds(dbutils.widgets.get("metric_thresholds")))
print(f"Checked {report.rows} labelled rows: {report.metrics}")
for violation in report.violations:
    print(f"VIOLATION: {violation}")

# COMMAND ----------

dbutils.jobs.taskValues.set("is_metric_violated", report.is_metric_violated)
dbutils.jobs.taskValues.set("violations", report.violations)
