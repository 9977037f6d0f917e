"""Fidelity guard: the fixtures' Spark steps on the embedded engine against a reference.

The reference is pandas: the same read, filter, aggregation and sum computed
independently on the rows the engine read. Row counts, null counts and values must
agree; a difference fails the test instead of becoming a silent wrong result.
(PySpark classic is not part of the suite: docs/spark.md says why.) The epoch-seconds
conversion that docs/spark.md recommends over Sail's ``to_timestamp(<int>)`` is checked
as well.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pysail")

ENGINE = r'''
import json, os, sys
from pathlib import Path
os.environ["MLOPS_STACKS_DBFS"] = sys.argv[1]
os.environ["MLOPS_STACKS_CATALOG"] = sys.argv[2]
from mlops_stacks.runner.spark.session import get_session
from pyspark.sql import functions as F
spark = get_session()
trips = spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
trips.toPandas().to_parquet(sys.argv[3])
hourly = (trips.withColumn("ts", F.date_trunc("hour", "tpep_pickup_datetime"))
          .groupBy("pickup_zip", "ts")
          .agg(F.avg("trip_distance").alias("mean_distance"), F.count("*").alias("trips")))
hourly.write.mode("overwrite").saveAsTable("local.parity.hourly")
back = spark.table("local.parity.hourly").toPandas()
out = {
    "rows": trips.count(),
    "nulls": {c: trips.filter(F.col(c).isNull()).count() for c in trips.columns},
    "hourly_rows": hourly.count(),
    "hourly": back.sort_values(["pickup_zip", "ts"]).astype({"ts": "str"}).values.tolist(),
    "filtered": trips.filter("trip_distance > 2 AND fare_amount < 20").count(),
    "sum_fare": trips.agg(F.sum("fare_amount")).collect()[0][0],
    "epoch": spark.sql("SELECT CAST(timestamp_seconds(86400) AS LONG) AS s").collect()[0][0],
}
print(json.dumps(out, default=str))
'''


def test_engine_results_match_the_reference(tmp_path: Path) -> None:
    import pandas as pd

    sample = tmp_path / "sample.parquet"
    env = {**os.environ, "RUST_LOG": "error", "MLOPS_STACKS_SPARK_REMOTE": ""}
    done = subprocess.run(
        [sys.executable, "-c", ENGINE, str(tmp_path / "dbfs"), str(tmp_path / "catalog"),
         str(sample)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])

    trips = pd.read_parquet(sample)  # the reference reads the rows the engine read
    assert got["rows"] == len(trips) == 2000
    assert got["nulls"] == {c: int(n) for c, n in trips.isna().sum().items()}
    reference = (trips.assign(ts=trips["tpep_pickup_datetime"].dt.floor("h"))
                 .groupby(["pickup_zip", "ts"], as_index=False)
                 .agg(mean_distance=("trip_distance", "mean"), trips=("trip_distance", "size"))
                 .sort_values(["pickup_zip", "ts"]))
    assert got["hourly_rows"] == len(reference) == len(got["hourly"])
    for (zip_e, ts_e, mean_e, n_e), (zip_r, ts_r, mean_r, n_r) in zip(
            got["hourly"], reference.values.tolist(), strict=True):
        assert (zip_e, pd.Timestamp(ts_e), n_e) == (zip_r, pd.Timestamp(ts_r), n_r)
        assert mean_e == pytest.approx(mean_r)
    assert got["filtered"] == int(((trips.trip_distance > 2) & (trips.fare_amount < 20)).sum())
    assert got["sum_fare"] == pytest.approx(trips.fare_amount.sum())
    assert got["epoch"] == 86400
