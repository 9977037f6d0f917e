"""Fidelity guard: the fixtures' Spark steps on the embedded engine against references.

The same steps (read the taxi sample, count rows and nulls, filter, aggregate per zip
and hour, write and read back a table, sum, a left join that leaves nulls, score a
scikit-learn model in a pandas UDF) run on the embedded engine, and their results are compared with:

- pandas: the same read, filter, aggregation, sum and predictions computed
  independently on the rows the engine read (always);
- PySpark classic (the JVM engine), where one is installed: the same steps, run by
  ``$MLOPS_STACKS_PARITY_CLASSIC_PYTHON`` (a Python with classic ``pyspark`` 4.x, with
  Java on ``PATH``), or by this Python when its ``pyspark`` is the classic one. Classic
  Spark cannot read Delta offline (its jars come from Maven), so it reads the rows the
  engine read from a Parquet copy. docs/spark.md says how to set it up.

Row counts, null counts, values and predictions must agree; a difference fails the
test instead of becoming a silent wrong result. The epoch-seconds conversion that
docs/spark.md recommends over Sail's ``to_timestamp(<int>)`` is checked as well.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pysail")

CLASSIC_ENV = "MLOPS_STACKS_PARITY_CLASSIC_PYTHON"
FEATURES = ["trip_distance", "pickup_zip", "dropoff_zip"]
BOROUGHS = [(10001, "Manhattan"), (10003, "Manhattan"), (11201, "Brooklyn")]

# The steps, given `spark`, `trips` (the sample), `table` (where to write) and `F`.
STEPS = r'''
import pandas as pd
from sklearn.linear_model import LinearRegression

FEATURES = ["trip_distance", "pickup_zip", "dropoff_zip"]
BOROUGHS = [(10001, "Manhattan"), (10003, "Manhattan"), (11201, "Brooklyn")]

def run_steps(spark, trips, table, F):
    hourly = (trips.withColumn("ts", F.date_trunc("hour", "tpep_pickup_datetime"))
              .groupBy("pickup_zip", "ts")
              .agg(F.avg("trip_distance").alias("mean_distance"), F.count("*").alias("trips")))
    hourly.write.mode("overwrite").saveAsTable(table)
    back = spark.table(table).toPandas()
    # the model: fitted on the driver, on the rows in a fixed order, scored by the engine
    rows = trips.select(*FEATURES, "fare_amount").toPandas().sort_values(
        [*FEATURES, "fare_amount"], kind="stable").fillna(0.0)
    model = LinearRegression().fit(rows[FEATURES].astype("float64"), rows["fare_amount"])

    @F.pandas_udf("double")
    def predict(distance: pd.Series, pickup: pd.Series, dropoff: pd.Series) -> pd.Series:
        frame = pd.DataFrame({"trip_distance": distance, "pickup_zip": pickup,
                              "dropoff_zip": dropoff}).astype("float64").fillna(0.0)
        return pd.Series(model.predict(frame[FEATURES]))

    # a left join where some zips have no borough: nulls both engines must place alike
    zips = spark.createDataFrame(BOROUGHS, "zip INT, borough STRING")
    joined = trips.join(zips, trips.pickup_zip == zips.zip, "left")
    scored = trips.withColumn("prediction", predict(*[F.col(c) for c in FEATURES]))
    predictions = scored.select(*FEATURES, "prediction").toPandas()
    return {
        "rows": trips.count(),
        "nulls": {c: trips.filter(F.col(c).isNull()).count() for c in trips.columns},
        "hourly_rows": hourly.count(),
        "hourly": back.sort_values(["pickup_zip", "ts"]).astype({"ts": "str"}).values.tolist(),
        "filtered": trips.filter("trip_distance > 2 AND fare_amount < 20").count(),
        "sum_fare": trips.agg(F.sum("fare_amount")).collect()[0][0],
        "epoch": spark.sql("SELECT CAST(timestamp_seconds(86400) AS LONG) AS s").collect()[0][0],
        "joined_rows": joined.count(),
        "joined_nulls": joined.filter(F.col("borough").isNull()).count(),
        "prediction_nulls": scored.filter(F.col("prediction").isNull()).count(),
        "predictions": predictions.sort_values([*FEATURES, "prediction"]).values.tolist(),
    }
'''

ENGINE = STEPS + r'''
import json, os, sys
os.environ["MLOPS_STACKS_DBFS"] = sys.argv[1]
os.environ["MLOPS_STACKS_CATALOG"] = sys.argv[2]
from mlops_stacks.runner.spark.session import get_session
from pyspark.sql import functions as F
spark = get_session()
trips = spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
trips.toPandas().to_parquet(sys.argv[3])
print(json.dumps(run_steps(spark, trips, "local.parity.hourly", F), default=str))
'''

CLASSIC = STEPS + r'''
import json, sys
from pyspark.sql import SparkSession, functions as F
spark = (SparkSession.builder.master("local[2]").appName("mlops-stacks-parity")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.warehouse.dir", sys.argv[2]).getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
trips = spark.read.parquet(sys.argv[1])
print(json.dumps(run_steps(spark, trips, "parity_hourly", F), default=str))
spark.stop()
'''


def _last_json(done: subprocess.CompletedProcess[str], what: str) -> dict[str, Any]:
    assert done.returncode == 0, f"{what} failed:\n{done.stderr[-4000:]}"
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """The steps' results on the embedded engine, and the Parquet copy of the rows it read."""
    tmp = tmp_path_factory.mktemp("parity")
    sample = tmp / "sample.parquet"
    env = {**os.environ, "RUST_LOG": "error", "MLOPS_STACKS_SPARK_REMOTE": ""}
    done = subprocess.run(
        [sys.executable, "-c", ENGINE, str(tmp / "dbfs"), str(tmp / "catalog"), str(sample)],
        env=env, capture_output=True, text=True, timeout=600)
    return _last_json(done, "the embedded engine"), sample


def test_engine_results_match_the_reference(engine: tuple[dict[str, Any], Path]) -> None:
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    got, sample = engine
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
    boroughs = pd.DataFrame(BOROUGHS, columns=["zip", "borough"])
    joined = trips.merge(boroughs, left_on="pickup_zip", right_on="zip", how="left")
    assert got["joined_rows"] == len(joined)
    assert 0 < got["joined_nulls"] == int(joined.borough.isna().sum()) < len(joined)

    rows = trips[[*FEATURES, "fare_amount"]].sort_values(
        [*FEATURES, "fare_amount"], kind="stable").fillna(0.0)
    model = LinearRegression().fit(rows[FEATURES].astype("float64"), rows["fare_amount"])
    expected = trips[FEATURES].assign(
        prediction=model.predict(trips[FEATURES].astype("float64").fillna(0.0)))
    expected = expected.sort_values([*FEATURES, "prediction"]).values.tolist()
    assert got["prediction_nulls"] == 0
    _same_rows(got["predictions"], expected)


def _same_rows(got: list[list[Any]], expected: list[list[Any]]) -> None:
    assert len(got) == len(expected)
    for row_got, row_expected in zip(got, expected, strict=True):
        assert row_got == pytest.approx(row_expected, rel=1e-9, abs=1e-9)


def classic_python() -> tuple[str | None, str]:
    """A Python with PySpark classic and Java to run it, or ``None`` and how to get one."""
    how = (f"PySpark classic is not set up for the parity check: set {CLASSIC_ENV} to a "
           "Python with classic pyspark 4.x, pandas, pyarrow and scikit-learn, with Java 17 "
           "on PATH (docs/spark.md, 'Fidelity guard')")
    named = os.environ.get(CLASSIC_ENV, "").strip()
    if not shutil.which("java"):
        return None, how + "; no `java` on PATH here"
    if named:
        return named, ""
    import importlib.util

    found = importlib.util.find_spec("pyspark")  # classic ships its jars, the client does not
    if found and found.origin and (Path(found.origin).parent / "jars").is_dir():
        return sys.executable, ""
    return None, how


@pytest.mark.slow
def test_engine_results_match_pyspark_classic(
        engine: tuple[dict[str, Any], Path], tmp_path: Path) -> None:
    python, how = classic_python()
    if python is None:
        pytest.skip(how)
    import pandas as pd

    got, sample = engine
    env = {**os.environ, "PYSPARK_PYTHON": python, "TZ": "UTC"}
    env.pop("SPARK_HOME", None)  # the client's stand-in is no Spark installation
    env.pop("SPARK_REMOTE", None)
    done = subprocess.run([python, "-c", CLASSIC, str(sample), str(tmp_path / "warehouse")],
                          env=env, capture_output=True, text=True, timeout=900)
    classic = _last_json(done, f"PySpark classic ({python})")

    for key in ("rows", "nulls", "hourly_rows", "filtered", "epoch", "joined_rows",
                "joined_nulls", "prediction_nulls"):
        assert got[key] == classic[key], key
    assert got["sum_fare"] == pytest.approx(classic["sum_fare"])
    assert len(got["hourly"]) == len(classic["hourly"])
    for (zip_e, ts_e, mean_e, n_e), (zip_c, ts_c, mean_c, n_c) in zip(
            got["hourly"], classic["hourly"], strict=True):
        assert (zip_e, pd.Timestamp(ts_e), n_e) == (zip_c, pd.Timestamp(ts_c), n_c)
        assert mean_e == pytest.approx(mean_c)
    _same_rows(got["predictions"], classic["predictions"])
