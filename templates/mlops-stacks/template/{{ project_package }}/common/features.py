"""Turn raw trips into the model's input columns.

``feature_step`` is the first stage of the logged model (``training/train.py``):
the model takes trips as they arrive (``MODEL_INPUTS``: the columns of
``data/taxi_trips.csv`` without the fare) and computes these features itself.
Training, validation, batch inference and ``mlops-stacks serve`` therefore share
this code, and a served model answers a raw trip record.
"""

from __future__ import annotations

import pandas as pd

from common.data import REQUIRED_COLUMNS

#: What the logged model takes: one trip as recorded, without the label.
MODEL_INPUTS = list(REQUIRED_COLUMNS)

BASE_FEATURES = [
    "trip_distance",
    "passenger_count",
    "pickup_zip",
    "dropoff_zip",
    "pickup_hour",
    "pickup_weekday",
    "is_weekend",
]


def add_time_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Derive hour, weekday and weekend flag from ``pickup_datetime``."""
    pickup = pd.to_datetime(frame["pickup_datetime"])
    out = frame.copy()
    out["pickup_hour"] = pickup.dt.hour.astype("int64")
    out["pickup_weekday"] = pickup.dt.day_of_week.astype("int64")
    out["is_weekend"] = (out["pickup_weekday"] >= 5).astype("int64")
    return out


def build_features(frame: pd.DataFrame, zip_features: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the model inputs for ``frame``.

    ``zip_features`` (one row per zip code, as written by the feature
    engineering job) adds pickup_* and dropoff_* columns when given.
    """
    enriched = add_time_features(frame)
    columns = list(BASE_FEATURES)
    if zip_features is not None:
        for side in ("pickup", "dropoff"):
            renamed = zip_features.rename(
                columns={c: f"{side}_{c}" for c in zip_features.columns if c != "zip"}
            ).rename(columns={"zip": f"{side}_zip"})
            enriched = enriched.merge(renamed, on=f"{side}_zip", how="left")
            added = [c for c in renamed.columns if c != f"{side}_zip"]
            enriched[added] = enriched[added].fillna(0.0)
            columns += added
    # All float64: integer columns cannot hold missing values at serving time, and a
    # signature of doubles accepts both ints and floats.
    return enriched[columns].astype("float64")


def model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``frame`` that the logged model takes (raw trips, no label)."""
    return frame[MODEL_INPUTS].copy()


def feature_step(zip_features: pd.DataFrame | None = None):
    """``build_features`` as a scikit-learn step, so the logged model applies it."""
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(build_features, kw_args={"zip_features": zip_features})
