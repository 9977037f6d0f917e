"""Serve a registered model version, found by its alias, as a local REST endpoint.

Uses MLflow's own scoring server (``mlflow models serve`` with the local
environment manager), so requests and responses are exactly what MLflow model
serving speaks: ``POST /invocations`` with ``dataframe_split``,
``dataframe_records``, ``inputs`` or ``instances``.
"""

from mlops_stacks.serving.server import (
    ModelServer,
    ServedModel,
    example_request,
    resolve_alias,
    start_server,
)

__all__ = ["ModelServer", "ServedModel", "example_request", "resolve_alias", "start_server"]
