"""Fixtures: the sample data and a throwaway MLflow store (sqlite) per test module."""

from __future__ import annotations

import pytest

from common.data import load_trips

SAMPLE = "data/taxi_trips.csv"


@pytest.fixture(scope="session")
def trips():
    return load_trips(SAMPLE)


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory):
    """Point MLflow tracking and registry at a new sqlite store for the tests of one module."""
    import mlflow

    from common.mlflow_setup import configure_mlflow

    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        patch.setenv("MLFLOW_REGISTRY_URI", uri)
        patch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        configure_mlflow("/Shared/tests/experiment")
        yield uri
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
