"""Point MLflow at the right registry: Unity Catalog on Databricks, the local store elsewhere.

Locally, ``MLFLOW_TRACKING_URI`` and ``MLFLOW_REGISTRY_URI`` come from the
environment (mlops-stacks sets them for every task), so nothing is changed.

MLflow refuses to deserialize models outside Databricks unless
``MLFLOW_ALLOW_PICKLE_DESERIALIZATION`` is true. The jobs of this project only
load models that its own training job registered, so ``allow_model_loading``
turns it on for them; keep it that way only for registries you trust.
"""

from __future__ import annotations

import os


def on_databricks() -> bool:
    """True inside a Databricks runtime (notebook or job)."""
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def allow_model_loading() -> None:
    """Let MLflow load this project's own registered models (unless the user decided otherwise)."""
    os.environ.setdefault("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")


def configure_mlflow(experiment_name: str | None = None) -> None:
    """Use the Unity Catalog registry on Databricks and select ``experiment_name`` if given."""
    import mlflow

    allow_model_loading()
    if on_databricks():
        mlflow.set_registry_uri("databricks-uc")
    if experiment_name:
        mlflow.set_experiment(experiment_name)
