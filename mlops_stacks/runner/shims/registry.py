"""``databricks-uc`` (and ``databricks``) MLflow URIs mapped to the target's local store.

Notebooks written for Unity Catalog call ``mlflow.set_registry_uri("databricks-uc")``
or ``MlflowClient(registry_uri="databricks-uc")``. In a local run the registry is the
target's (``$MLFLOW_REGISTRY_URI``) and the tracking store ``$MLFLOW_TRACKING_URI``:
a Databricks URI given to MLflow is replaced by them before MLflow uses it, so
three-level model names register in the local registry.

A model version's ``description`` is ``""`` when none was set, as Unity Catalog
gives it (the local store gives ``None``, and notebooks append to it).
"""

from __future__ import annotations

import functools
import os
import sys
from types import ModuleType
from typing import Any

from mlops_stacks.runner.shims.after_import import wrap

_DATABRICKS = ("databricks", "databricks-uc")


def local_uri(uri: Any, env_name: str) -> Any:
    """The local store's URI for a Databricks URI (others are returned as they are)."""
    if not isinstance(uri, str) or not os.environ.get(env_name):
        return uri
    scheme = uri.split("://", 1)[0].split(":", 1)[0]
    return os.environ[env_name] if scheme in _DATABRICKS else uri


def _rebind(original: Any, replacement: Any, home: ModuleType) -> None:
    """Replace ``original`` in its module and where MLflow re-exports it."""
    name = original.__name__
    for module in (home, sys.modules.get("mlflow"), sys.modules.get("mlflow.tracking")):
        if module is home or getattr(module, name, None) is original:
            setattr(module, name, replacement)


def _wrap_setter(home: ModuleType, name: str, env_name: str) -> None:
    """``home.<name>(uri)`` (and MLflow's re-exports of it) with Databricks URIs mapped."""
    original = getattr(home, name)
    if getattr(original, "_mlops_stacks", False):
        return

    @functools.wraps(original)
    def setter(uri: Any) -> None:
        original(local_uri(uri, env_name))

    # marks the function as our shim (functions have no such attribute in typeshed)
    setter._mlops_stacks = True  # type: ignore[attr-defined]
    _rebind(original, setter, home)


def patch_registry(utils: ModuleType) -> None:
    _wrap_setter(utils, "set_registry_uri", "MLFLOW_REGISTRY_URI")


def patch_tracking(tracking: ModuleType) -> None:
    _wrap_setter(tracking, "set_tracking_uri", "MLFLOW_TRACKING_URI")


def patch_client(client_module: ModuleType) -> None:
    def make(original: Any) -> Any:
        def init(self: Any, tracking_uri: Any = None, registry_uri: Any = None,
                 **kw: Any) -> None:
            original(self, local_uri(tracking_uri, "MLFLOW_TRACKING_URI"),
                     local_uri(registry_uri, "MLFLOW_REGISTRY_URI"), **kw)

        return init

    wrap(client_module.MlflowClient, "__init__", make)


def patch_client_descriptions(client_module: ModuleType) -> None:
    def make(original: Any) -> Any:
        def get_model_version(self: Any, *args: Any, **kwargs: Any) -> Any:
            version = original(self, *args, **kwargs)
            if getattr(version, "description", "") is None:
                version._description = ""
            return version

        return get_model_version

    wrap(client_module.MlflowClient, "get_model_version", make)
