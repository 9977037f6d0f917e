"""Samples of ``/databricks-datasets`` generated on first use, in the target's folder.

No package ships the Databricks datasets. For the ones MLOps Stacks projects read,
a synthetic table with the real schema is generated (seeded: the same rows on
every machine) and written as a Delta table where the path maps locally
(``<target>/dbfs/databricks-datasets/...``). Other datasets stop the run before
it starts (``SUPPORTED`` is what the pre-run check accepts).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

NYCTAXI = "/databricks-datasets/nyctaxi-with-zipcodes/subsampled"
ROWS = 2000


def _nyctaxi(rows: int = ROWS) -> Any:
    """NYC taxi trips: pickup/dropoff times and zip codes, distance and fare (USD)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(20160101)
    start = pd.Timestamp("2016-02-01 00:00:00")
    pickup = start + pd.to_timedelta(rng.integers(0, 60 * 24 * 3600, rows), unit="s")
    distance = np.round(rng.gamma(2.0, 1.5, rows), 2)
    minutes = np.maximum(2.0, distance * 3.2 + rng.normal(4, 2, rows))
    dropoff = pickup + pd.to_timedelta(np.round(minutes * 60), unit="s")
    fare = np.round(2.5 + 2.1 * distance + 0.35 * minutes + rng.normal(0, 1.0, rows), 1)
    zips = np.array([10001, 10002, 10003, 10011, 10012, 10016, 10019, 10022, 10036, 10065,
                     10101, 10103, 10110, 10153, 10199, 11201, 11371, 11430], dtype="int32")
    return pd.DataFrame(
        {
            "tpep_pickup_datetime": pickup.astype("datetime64[us]"),
            "tpep_dropoff_datetime": dropoff.astype("datetime64[us]"),
            "trip_distance": distance.astype("float64"),
            "fare_amount": np.maximum(fare, 2.5).astype("float64"),
            "pickup_zip": rng.choice(zips, rows),
            "dropoff_zip": rng.choice(zips, rows),
        }
    )


SCHEMA = (
    "tpep_pickup_datetime timestamp, tpep_dropoff_datetime timestamp, trip_distance double, "
    "fare_amount double, pickup_zip int, dropoff_zip int"
)
GENERATORS: dict[str, tuple[Callable[[], Any], str]] = {NYCTAXI: (_nyctaxi, SCHEMA)}
SUPPORTED = tuple(GENERATORS)


def supported(path: str) -> bool:
    """Whether ``path`` (``dbfs:`` or not) is a dataset generated locally."""
    plain = path[len("dbfs:") :] if path.startswith("dbfs:") else path
    return any(plain.rstrip("/") == s or plain.startswith(s + "/") for s in SUPPORTED)


def ensure(path: str, local: Path) -> None:
    """Generate the dataset that holds ``path`` under ``local``'s root if it is missing."""
    for name, (generate, schema) in GENERATORS.items():
        if not (path.rstrip("/") == name or path.startswith(name + "/")):
            continue
        depth = len([p for p in path[len(name) :].split("/") if p])
        folder = local
        for _ in range(depth):
            folder = folder.parent
        if not (folder / "_delta_log").is_dir():
            _write(folder, generate, schema)
        return


def _write(folder: Path, generate: Callable[[], Any], schema: str) -> None:
    """Write the table beside its place, then move it there (a concurrent task may win)."""
    from mlops_stacks.runner.spark.session import get_session

    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}")
    spark = get_session()
    frame = spark.createDataFrame(generate(), schema=schema)
    frame.write.format("delta").mode("overwrite").save(str(scratch))
    try:
        os.rename(scratch, folder)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
