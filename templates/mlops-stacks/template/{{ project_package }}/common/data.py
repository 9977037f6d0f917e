"""Load the trips data and split it the same way in every stage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from common.paths import bundle_path

LABEL = "fare_amount"
REQUIRED_COLUMNS = (
    "pickup_datetime",
    "pickup_zip",
    "dropoff_zip",
    "trip_distance",
    "passenger_count",
)
SPLIT_SEED = 42
HOLDOUT_FRACTION = 0.2


def load_trips(path: str | Path, *, require_label: bool = True) -> pd.DataFrame:
    """Read a trips CSV (path relative to the bundle root) and check its columns."""
    resolved = bundle_path(path)
    if not resolved.is_file():
        raise FileNotFoundError(
            f"no data file at {resolved}; pass a CSV path relative to the bundle root "
            "(for example data/taxi_trips.csv)"
        )
    frame = pd.read_csv(resolved)
    needed = list(REQUIRED_COLUMNS) + ([LABEL] if require_label else [])
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise ValueError(f"{resolved} lacks the column(s) {', '.join(missing)}")
    return frame


def split_train_holdout(
    frame: pd.DataFrame, *, holdout_fraction: float = HOLDOUT_FRACTION, seed: int = SPLIT_SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into training and holdout sets; the same input always splits the same way."""
    holdout = frame.sample(frac=holdout_fraction, random_state=seed)
    training = frame.drop(index=holdout.index)
    return training.reset_index(drop=True), holdout.reset_index(drop=True)
