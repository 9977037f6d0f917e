"""Serving the model behind an alias with MLflow's scoring server, over real HTTP."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.serving import example_request, resolve_alias, start_server

pytestmark = pytest.mark.slow


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A real sqlite MLflow store with model 'm' v1 aliased 'champion'."""
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow.tracking import MlflowClient
    from sklearn.linear_model import LinearRegression

    root: Path = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    exp = mlflow.create_experiment("serve-test", artifact_location=(root / "artifacts").as_uri())
    x = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) * 2})
    y = x["a"] * 3 + 1
    with mlflow.start_run(experiment_id=exp):
        info = mlflow.sklearn.log_model(
            LinearRegression().fit(x, y),
            name="model",
            input_example=x.head(2),
            registered_model_name="m",
            pip_requirements=["scikit-learn"],
        )
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.set_registered_model_alias("m", "champion", info.registered_model_version)
    return {"tracking_uri": uri, "registry_uri": uri}


def test_missing_alias_names_model_and_next_step(store: dict[str, str]) -> None:
    with pytest.raises(MlopsStacksError) as err:
        resolve_alias("m", "nope", **store)
    assert "'m'" in err.value.message and "'nope'" in err.value.message
    assert "run model_training_job" in (err.value.hint or "")


def test_serves_champion_over_http(store: dict[str, str]) -> None:
    model = resolve_alias("m", "champion", **store)
    assert model.version == "1"
    body = example_request(model)
    assert body is not None and body["dataframe_split"]["columns"] == ["a", "b"]
    server = start_server(model, port=_free_port(), quiet=True)
    try:
        server.wait_ready(timeout=120)
        req = urllib.request.Request(
            server.url + "/invocations",
            data=json.dumps({"dataframe_split": {"columns": ["a", "b"], "data": [[2.0, 4.0]]}})
            .encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            predictions = json.loads(resp.read())["predictions"]
        assert predictions == [pytest.approx(7.0)]
    finally:
        server.stop()
    assert server.process.poll() is not None
