"""Install the MLflow shims of a task (``registry``, ``spark_udf``) when MLflow is imported."""

from __future__ import annotations

from mlops_stacks.runner.shims import registry, spark_udf
from mlops_stacks.runner.shims.after_import import after_import


def install() -> None:
    after_import("mlflow.tracking._model_registry.utils", registry.patch_registry)
    after_import("mlflow.tracking._tracking_service.utils", registry.patch_tracking)
    after_import("mlflow.tracking.client", registry.patch_client)
    after_import("mlflow.tracking.client", registry.patch_client_descriptions)
    after_import("mlflow.pyfunc", spark_udf.patch)
