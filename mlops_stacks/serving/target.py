"""Which model a bundle target serves: ``served_model(bundle, workspace, model, alias)``.

The library side of ``mlops-stacks serve``: picks the bundle's registered model
(``model`` names its key when there are several), checks it is deployed to a
local target, and resolves the alias in the target's MLflow store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_stacks.errors import MlopsStacksError

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.serving.server import ServedModel
    from mlops_stacks.workspace.protocol import Workspace

MODEL_KINDS = ("registered_models", "models")


def model_key(bundle: Bundle, key: str | None) -> tuple[str, str]:
    """``(kind, key)`` of the registered model to serve; errors name the choices."""
    from mlops_stacks.bundle.suggest import did_you_mean

    keys = [(kind, k) for kind in MODEL_KINDS for k in sorted(bundle.resources(kind))]
    names = [k for _, k in keys]
    if key is None:
        if len(keys) == 1:
            return keys[0]
        if not keys:
            raise MlopsStacksError(
                f"Bundle '{bundle.name}' defines no registered model to serve.",
                hint="Add one under `resources.registered_models` and deploy it.",
            )
        raise MlopsStacksError(
            f"Bundle '{bundle.name}' has several models: {', '.join(names)}.",
            hint="Choose one with --model KEY.",
        )
    for kind, k in keys:
        if k == key:
            return kind, k
    raise MlopsStacksError(
        f"No registered model '{key}' in bundle '{bundle.name}'.",
        hint=f"Models in this bundle: {', '.join(names) or 'none'}.{did_you_mean(key, names)}",
    )


def check_local(bundle: Bundle) -> None:
    """Serving runs models from the local workspace only."""
    if not bundle.is_local:
        raise MlopsStacksError(
            f"serve runs models from the local workspace; target '{bundle.target}' is "
            f"{bundle.host}.",
            hint="Serve on Databricks with a `model_serving_endpoints` resource, or use "
            "`-t local`.",
        )


def served_model(bundle: Bundle, workspace: Workspace, model: str | None,
                 alias: str) -> ServedModel:
    """The deployed model version behind ``alias``, ready for ``start_server``."""
    from mlops_stacks.deploy import load_state
    from mlops_stacks.serving.server import resolve_alias

    check_local(bundle)
    kind, key = model_key(bundle, model)
    deployed = load_state(workspace, bundle.name, bundle.target).get(kind, key)
    if deployed is None or not deployed.name:
        raise MlopsStacksError(
            f"Model '{key}' is not deployed to target '{bundle.target}'.",
            hint="Run `mlops-stacks deploy` and then `mlops-stacks run model_training_job`.",
        )
    info = workspace.info()
    assert info.mlflow_tracking_uri and info.mlflow_registry_uri  # a local workspace
    return resolve_alias(deployed.name, alias, tracking_uri=info.mlflow_tracking_uri,
                         registry_uri=info.mlflow_registry_uri)


__all__ = ["MODEL_KINDS", "check_local", "model_key", "served_model"]
