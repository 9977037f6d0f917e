"""Fixtures: the sample data and a throwaway MLflow store (sqlite) per test module.

The project folder goes on ``sys.path`` here, so ``pytest`` works from this folder
(pytest.ini) and from the repository root above it alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from common.data import load_trips  # noqa: E402 - needs the path above

SAMPLE = str(PROJECT / "data" / "taxi_trips.csv")


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
        # Artifacts in the temporary folder too (MLflow's default is ./mlruns in the project).
        mlflow.create_experiment("/Shared/tests/experiment",
                                 artifact_location=(root / "artifacts").as_uri())
        configure_mlflow("/Shared/tests/experiment")
        yield uri
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
