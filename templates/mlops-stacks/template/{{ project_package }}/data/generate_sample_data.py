"""Regenerate the sample taxi trips in ``data/taxi_trips.csv``.

The file is committed with the project so every job runs with no download.
It is synthetic and fully determined by ``SEED``: fares follow distance, time
of day and airport drop-offs, plus noise, so a regressor has something real to
learn and the label column lets monitoring compare predictions with truth.

    python data/generate_sample_data.py            # rewrites data/taxi_trips.csv
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240101
ROWS = 5000
OUTPUT = Path(__file__).resolve().parent / "taxi_trips.csv"

CITY_ZIPS = [10001, 10002, 10003, 10011, 10013, 10016, 10019, 10022, 10023, 10028, 10036, 10065]
AIRPORT_ZIPS = [11371, 11430]


def generate(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """Build the sample as a DataFrame (the same rows for the same seed)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01 00:00:00")
    pickup = start + pd.to_timedelta(rng.integers(0, 60 * 24 * 3600, rows), unit="s")
    pickup_zip = rng.choice(CITY_ZIPS + AIRPORT_ZIPS, size=rows, p=[0.075] * 12 + [0.05, 0.05])
    to_airport = rng.random(rows) < 0.1
    dropoff_zip = np.where(
        to_airport, rng.choice(AIRPORT_ZIPS, size=rows), rng.choice(CITY_ZIPS, size=rows)
    )
    airport_trip = np.isin(pickup_zip, AIRPORT_ZIPS) | np.isin(dropoff_zip, AIRPORT_ZIPS)
    distance = np.where(
        airport_trip,
        rng.normal(14.0, 3.0, rows),
        rng.lognormal(mean=0.6, sigma=0.6, size=rows),
    ).clip(0.3, 30.0)
    passengers = rng.choice([1, 2, 3, 4], size=rows, p=[0.7, 0.18, 0.07, 0.05])

    hour = pickup.hour.to_numpy()
    weekday = pickup.day_of_week.to_numpy()
    rush = ((hour >= 7) & (hour <= 9)) | ((hour >= 16) & (hour <= 19))
    night = (hour >= 20) | (hour <= 5)
    fare = (
        3.0
        + 2.5 * distance
        + np.where(rush & (weekday < 5), 0.6 * distance + 1.0, 0.0)
        + np.where(night, 1.0, 0.0)
        + np.where(airport_trip, 5.0, 0.0)
        + 0.3 * (passengers - 1)
        + rng.normal(0.0, 1.5, rows)
    ).clip(3.0, None)

    frame = pd.DataFrame(
        {
            "pickup_datetime": pickup.strftime("%Y-%m-%d %H:%M:%S"),
            "pickup_zip": pickup_zip,
            "dropoff_zip": dropoff_zip,
            "trip_distance": distance.round(2),
            "passenger_count": passengers,
            "fare_amount": fare.round(2),
        }
    )
    return frame.sort_values("pickup_datetime", kind="stable").reset_index(drop=True)


if __name__ == "__main__":
    generate().to_csv(OUTPUT, index=False)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
