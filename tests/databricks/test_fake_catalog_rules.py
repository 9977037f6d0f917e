"""The fake workspace's rules for schemas, quality monitors and pipeline libraries.

Each test states one rule of the real service (Unity Catalog and Pipelines REST
reference) and checks the fake answers like it:

- ``POST .../tables/{table}/monitor`` needs ``output_schema_name`` to exist and
  creates ``{table}_profile_metrics`` and ``{table}_drift_metrics`` there;
  ``DELETE .../monitor`` leaves those tables;
- ``DELETE .../schemas/{full_name}`` refuses a schema that holds objects unless
  ``force=true`` ("Force deletion even if the schema is not empty");
- a pipeline's ``libraries`` name workspace objects: a notebook, a file, or for
  ``glob.include`` a file or folder (``folder/**``).
"""

from __future__ import annotations

import pytest

from tests.databricks.fake_server import FakeDatabricks, WsObject
from tests.databricks.test_fake_workspace_rules import call

UC = "/api/2.1/unity-catalog"
MONITOR = {"output_schema_name": "main.monitoring", "assets_dir": "/Workspace/Shared/mon",
           "snapshot": {}}


@pytest.fixture
def table(server: FakeDatabricks) -> str:
    for name in ("ml", "monitoring"):
        assert call(server, "POST", f"{UC}/schemas",
                    {"catalog_name": "main", "name": name})[0] == 200  # fmt: skip
    server.state.tables.add("main.ml.predictions")
    return "main.ml.predictions"


def test_a_monitor_needs_its_output_schema(server: FakeDatabricks, table: str) -> None:
    status, err = call(server, "POST", f"{UC}/tables/{table}/monitor",
                       {**MONITOR, "output_schema_name": "main.nowhere"})  # fmt: skip
    assert (status, err["error_code"]) == (404, "SCHEMA_DOES_NOT_EXIST")


def test_a_monitor_writes_metric_tables_that_outlive_it(server: FakeDatabricks,
                                                        table: str) -> None:
    assert call(server, "POST", f"{UC}/tables/{table}/monitor", MONITOR)[0] == 200
    metrics = {"main.monitoring.predictions_profile_metrics",
               "main.monitoring.predictions_drift_metrics"}
    assert metrics <= server.state.tables
    assert call(server, "DELETE", f"{UC}/tables/{table}/monitor")[0] == 200
    assert metrics <= server.state.tables


def test_a_schema_with_tables_is_deleted_only_with_force(server: FakeDatabricks,
                                                         table: str) -> None:
    status, err = call(server, "DELETE", f"{UC}/schemas/main.ml")
    assert (status, err["error_code"]) == (400, "SCHEMA_NOT_EMPTY")
    assert "main.ml" in server.state.schemas
    assert call(server, "DELETE", f"{UC}/schemas/main.ml?force=true")[0] == 200
    assert "main.ml" not in server.state.schemas and table not in server.state.tables
    # an empty schema needs no force
    assert call(server, "DELETE", f"{UC}/schemas/main.monitoring")[0] == 200


def _pipeline(library: dict[str, object]) -> dict[str, object]:
    return {"name": "features", "libraries": [library]}


def test_pipeline_libraries_name_workspace_objects_that_exist(server: FakeDatabricks) -> None:
    src = "/Workspace/Shared/pipe/src"
    assert call(server, "POST", "/api/2.0/workspace/mkdirs", {"path": src})[0] == 200
    server.state.objects[f"{src}/ingest"] = WsObject("NOTEBOOK", server.next_id(), b"", "PYTHON")
    server.state.objects[f"{src}/clean.sql"] = WsObject("FILE", server.next_id(), b"")
    refused = [
        {"file": {"path": "./src/clean.sql"}},                # relative: sent as written
        {"file": {"path": f"{src}/missing.sql"}},
        {"file": {"path": f"{src}/ingest"}},                  # a notebook, not a file
        {"notebook": {"path": f"{src}/clean.sql"}},           # a file, not a notebook
        {"glob": {"include": "/Workspace/Shared/nowhere/**"}},
    ]
    for library in refused:
        status, err = call(server, "POST", "/api/2.0/pipelines", _pipeline(library))
        assert (status, err["error_code"]) == (400, "INVALID_PARAMETER_VALUE"), library
    accepted = [
        {"file": {"path": f"{src}/clean.sql"}},
        {"notebook": {"path": f"{src}/ingest"}},
        {"notebook": {"path": "/Shared/pipe/src/ingest"}},   # /Workspace/X and /X are one
        {"glob": {"include": f"{src}/**"}},
        {"glob": {"include": f"{src}/clean.sql"}},
    ]
    for i, library in enumerate(accepted):
        body = {**_pipeline(library), "name": f"features-{i}"}
        assert call(server, "POST", "/api/2.0/pipelines", body)[0] == 200, library
