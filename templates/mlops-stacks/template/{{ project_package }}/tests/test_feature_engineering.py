"""The zip feature table and training with it."""

from __future__ import annotations

from common.features import BASE_FEATURES, build_features
from feature_engineering.zip_features import (
    FEATURE_COLUMNS,
    compute_zip_features,
    load_feature_table,
    write_feature_table,
)
from training.train import Hyperparameters, fit


def test_one_row_per_zip_with_statistics(trips):
    table = compute_zip_features(trips)
    zips = set(trips["pickup_zip"]) | set(trips["dropoff_zip"])
    assert set(table["zip"]) == zips and len(table) == len(zips)
    assert list(table.columns) == ["zip", *FEATURE_COLUMNS]
    assert table["trip_count"].sum() == 2 * len(trips)


def test_table_round_trips_and_is_computed_when_missing(trips, tmp_path):
    table = compute_zip_features(trips)
    path = write_feature_table(table, tmp_path / "features" / "zip.csv")
    assert load_feature_table(path).equals(table)
    assert load_feature_table(tmp_path / "absent.csv", trips).equals(table)


def test_features_join_on_both_zips_and_train(trips):
    table = compute_zip_features(trips)
    features = build_features(trips.head(20), table)
    assert features.columns[: len(BASE_FEATURES)].tolist() == BASE_FEATURES
    assert "pickup_mean_distance" in features and "dropoff_trip_count" in features
    assert features.notna().all().all()
    _, _, metrics = fit(trips, Hyperparameters(n_estimators=20), table)
    assert metrics["holdout_r2_score"] > 0.8
