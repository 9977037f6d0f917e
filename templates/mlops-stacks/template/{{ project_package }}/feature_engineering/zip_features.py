"""Compute per-zip features from raw trips and read/write the feature table.

Training and batch inference join the table on pickup_zip and dropoff_zip
(see ``common.features.build_features``). The features use no labels, so they
are safe to compute on data that is later scored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from common.paths import bundle_path, ensure_parent

FEATURE_COLUMNS = ["trip_count", "mean_distance", "share_long_trips"]
LONG_TRIP_MILES = 10.0


def compute_zip_features(trips: pd.DataFrame) -> pd.DataFrame:
    """One row per zip code seen as pickup or dropoff, with trip statistics."""
    sides = [
        trips[["pickup_zip", "trip_distance"]].rename(columns={"pickup_zip": "zip"}),
        trips[["dropoff_zip", "trip_distance"]].rename(columns={"dropoff_zip": "zip"}),
    ]
    stacked = pd.concat(sides, ignore_index=True)
    stacked["long_trip"] = (stacked["trip_distance"] >= LONG_TRIP_MILES).astype(float)
    grouped = stacked.groupby("zip", sort=True)
    table = pd.DataFrame(
        {
            "trip_count": grouped.size().astype(float),
            "mean_distance": grouped["trip_distance"].mean().round(4),
            "share_long_trips": grouped["long_trip"].mean().round(4),
        }
    ).reset_index()
    return table[["zip", *FEATURE_COLUMNS]]


def write_feature_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the table as CSV (path relative to the bundle root)."""
    target = ensure_parent(bundle_path(path))
    table.to_csv(target, index=False)
    return target


def load_feature_table(path: str | Path, trips: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read the table; when it was never written, compute it from ``trips`` (with a note)."""
    resolved = bundle_path(path)
    if resolved.is_file():
        return pd.read_csv(resolved)
    if trips is None:
        raise FileNotFoundError(
            f"no feature table at {resolved}; run write_feature_table_job first"
        )
    print(
        f"No feature table at {resolved}: computing zip features from the input data. "
        "Run write_feature_table_job to write the table."
    )
    return compute_zip_features(trips)
