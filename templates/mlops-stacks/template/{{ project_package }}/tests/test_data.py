"""The sample data, the split and the features."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.data import LABEL, load_trips, split_train_holdout
from common.features import BASE_FEATURES, build_features
from common.paths import BUNDLE_ROOT, bundle_path

DATA = BUNDLE_ROOT / "data" / "taxi_trips.csv"


def test_sample_is_small_and_labelled(trips):
    assert DATA.stat().st_size <= 1_000_000
    assert 1000 <= len(trips) <= 10_000
    assert trips[LABEL].notna().all()
    assert trips[LABEL].min() > 0


def test_generator_is_seeded_and_writes_the_sample_columns(trips):
    import importlib.util

    path = BUNDLE_ROOT / "data" / "generate_sample_data.py"
    spec = importlib.util.spec_from_file_location("generate_sample_data", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    first, second = gen.generate(rows=200), gen.generate(rows=200)
    assert first.equals(second)
    assert list(first.columns) == list(trips.columns)


def test_relative_paths_count_from_the_bundle_root(tmp_path):
    assert bundle_path("data/taxi_trips.csv") == DATA
    assert bundle_path(tmp_path) == tmp_path


def test_missing_file_and_columns_are_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="relative to the bundle root"):
        load_trips("data/nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("pickup_datetime,trip_distance\n2024-01-01 00:00:00,1.0\n")
    with pytest.raises(ValueError, match="pickup_zip"):
        load_trips(bad)


def test_split_is_deterministic_and_disjoint(trips):
    train_a, hold_a = split_train_holdout(trips)
    train_b, hold_b = split_train_holdout(trips)
    assert hold_a.equals(hold_b) and train_a.equals(train_b)
    assert len(train_a) + len(hold_a) == len(trips)
    assert len(hold_a) == round(0.2 * len(trips))


def test_features_have_fixed_columns_and_types(trips):
    features = build_features(trips.head(50))
    assert list(features.columns) == BASE_FEATURES
    assert set(map(str, features.dtypes)) == {"float64"}
    first = trips.iloc[0]
    assert features.loc[0, "pickup_hour"] == int(str(first["pickup_datetime"])[11:13])
    assert set(features["is_weekend"].unique()) <= {0, 1}


def test_bundle_root_is_this_project():
    assert (BUNDLE_ROOT / "databricks.yml").is_file()
    assert Path(__file__).resolve().parent.parent == BUNDLE_ROOT
