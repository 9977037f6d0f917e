"""Serve a registered model version, found by its alias, as a local REST endpoint.

Uses MLflow's own scoring server (``mlflow models serve`` with the local
environment manager), so requests and responses are exactly what MLflow model
serving speaks: ``POST /invocations`` with ``dataframe_split``,
``dataframe_records``, ``inputs`` or ``instances``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_stacks.serving.server import (
        ModelServer,
        ServedModel,
        example_request,
        resolve_alias,
        start_server,
    )

# Loaded on first use: ``mlops-stacks serve`` imports ``serving.guard`` for its option
# defaults, and every command's start-up would otherwise pay for the server.
_FROM_SERVER = ("ModelServer", "ServedModel", "example_request", "resolve_alias", "start_server")


def __getattr__(name: str) -> object:
    if name not in _FROM_SERVER:
        raise AttributeError(f"module 'mlops_stacks.serving' has no attribute {name!r}")
    value = getattr(importlib.import_module("mlops_stacks.serving.server"), name)
    globals()[name] = value
    return value


__all__ = ["ModelServer", "ServedModel", "example_request", "resolve_alias", "start_server"]
