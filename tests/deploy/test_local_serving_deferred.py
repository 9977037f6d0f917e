"""On the local workspace a serving endpoint follows the Databricks rule: deferred with a
note while its model version is not registered, created by the deploy after it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlops_stacks.bundle import load_bundle
from mlops_stacks.deploy import deploy
from mlops_stacks.workspace import open_workspace

BUNDLE = """\
bundle:
  name: serving
targets:
  local:
    default: true
    workspace:
      host: local
resources:
  registered_models:
    model:
      catalog_name: local
      schema_name: ml
      name: fare_model
  model_serving_endpoints:
    fare:
      name: local-fare
      config:
        served_entities:
          - entity_name: local.ml.fare_model
            entity_version: "1"
            workload_size: Small
            scale_to_zero_enabled: true
"""


def _deploy(root: Path):  # noqa: ANN202
    bundle, diags = load_bundle(root, target="local")
    assert bundle is not None and not diags.has_errors(), diags
    ws = open_workspace(bundle)
    return deploy(bundle, ws, approve=lambda _a: True), ws


def test_local_endpoint_waits_for_the_model_version(tmp_path: Path) -> None:
    root = tmp_path / "serving"
    root.mkdir()
    (root / "databricks.yml").write_text(BUNDLE)
    subprocess.run(["git", "init", "-q", str(root)], check=True)

    result, ws = _deploy(root)
    assert result.done["deferred"] == ["model_serving_endpoints.fare"]
    [note] = [n for n in result.notes if "deferred" in n]
    assert "local.ml.fare_model version 1 is not registered" in note
    assert "model_serving_endpoints" not in (ws.read_state() or {}).get("resources", {})

    # What the training job does: register version 1 in the target's MLflow registry.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=ws.tracking_uri, registry_uri=ws.registry_uri)
    client.create_model_version("local.ml.fare_model", source=str(tmp_path))

    result, ws = _deploy(root)
    assert result.done["create"] == ["model_serving_endpoints.fare"]
    assert (ws.read_state() or {})["resources"]["model_serving_endpoints"]["fare"]["id"]
