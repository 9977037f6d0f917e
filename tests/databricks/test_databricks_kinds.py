"""Contract tests per resource kind against the fake workspace over real HTTP.

For each kind: create, a no-op redeploy that sends no writes, one change that
sends exactly the expected update call(s), adopt-after-404 (the resource was
deleted outside mlops-stacks: recreated with a warning), and delete.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlops_stacks.bundle import load_bundle
from mlops_stacks.deploy import deploy
from mlops_stacks.workspace import open_workspace
from mlops_stacks.workspace.databricks import current_user
from tests.databricks.fake_server import FakeDatabricks

ROOT = "/Workspace/Users/jane.doe@example.com/.bundle/kinds/staging"
LOCK = f"{ROOT}/state/deploy.lock"

HEADER = """\
bundle:
  name: kinds
targets:
  local:
    default: true
    workspace:
      host: local
  staging:
    workspace:
      host: {host}
resources:
"""


@dataclass
class Case:
    kind: str
    key: str
    before: str
    after: str
    update_calls: list[tuple[str, str]]
    """(method, path suffix) of the writes a one-field change sends."""
    find: Callable[[FakeDatabricks, str], Any]
    """The resource in the fake workspace by its ID, or None."""
    forget: Callable[[FakeDatabricks, str], None]
    """Delete it behind mlops-stacks' back."""
    setup: Callable[[FakeDatabricks], None] = lambda _s: None
    access: Callable[[FakeDatabricks, str], Any] = lambda _s, _rid: None
    """Whether the workspace holds the permissions or grants the bundle declares
    (None for a kind without them)."""


def _pipeline_find(s: FakeDatabricks, rid: str) -> Any:
    return s.state.pipelines.get(rid)


def _cluster_find(s: FakeDatabricks, rid: str) -> Any:
    return s.state.clusters.get(rid)


def _dashboard_find(s: FakeDatabricks, rid: str) -> Any:
    d = s.state.dashboards.get(rid)
    return d if d and d["lifecycle_state"] == "ACTIVE" else None


def _seed_notebook(s: FakeDatabricks) -> None:
    """A notebook someone put in the workspace (the pipeline's library)."""
    s.add_notebook("/Workspace/Shared/features", "SQL")


def _seed_schema(s: FakeDatabricks) -> None:
    s.state.schemas["main.ml"] = {"catalog_name": "main", "name": "ml", "full_name": "main.ml"}


def _seed_table(s: FakeDatabricks) -> None:
    _seed_schema(s)
    s.state.tables.add("main.ml.inference")


CASES = [
    Case(
        "pipelines", "features",
        """  pipelines:
    features:
      name: staging-features
      catalog: main
      schema: ml
      serverless: true
      libraries:
        - notebook:
            path: /Workspace/Shared/features
      permissions:
        - level: CAN_VIEW
          group_name: users
""",
        "      development: true\n",
        [("PUT", "/api/2.0/pipelines/{id}")],
        _pipeline_find,
        lambda s, rid: s.state.pipelines.pop(rid),
        _seed_notebook,
        access=lambda s, rid: s.state.permissions[("pipelines", rid)]
        == [{"group_name": "users", "permission_level": "CAN_VIEW"}],
    ),
    Case(
        "schemas", "ml",
        """  schemas:
    ml:
      catalog_name: main
      name: ml
      comment: features and models
      grants:
        - principal: data-scientists
          privileges: [USE_SCHEMA]
""",
        "      properties:\n        owner_team: ml\n",
        [("PATCH", "/api/2.1/unity-catalog/schemas/main.ml")],
        lambda s, rid: s.state.schemas.get(rid),
        lambda s, rid: s.state.schemas.pop(rid),
        access=lambda s, rid: s.state.grants[("schema", rid)]
        == {"data-scientists": {"USE_SCHEMA"}},
    ),
    Case(
        "volumes", "raw",
        """  volumes:
    raw:
      catalog_name: main
      schema_name: ml
      name: raw
      grants:
        - principal: data-engineers
          privileges: [READ_VOLUME, WRITE_VOLUME]
""",
        "      comment: raw files\n",
        [("PATCH", "/api/2.1/unity-catalog/volumes/main.ml.raw")],
        lambda s, rid: s.state.volumes.get(rid),
        lambda s, rid: s.state.volumes.pop(rid),
        _seed_schema,
        access=lambda s, rid: s.state.grants[("volume", rid)]
        == {"data-engineers": {"READ_VOLUME", "WRITE_VOLUME"}},
    ),
    Case(
        "quality_monitors", "inference",
        """  quality_monitors:
    inference:
      table_name: main.ml.inference
      assets_dir: /Workspace/Shared/monitoring/inference
      output_schema_name: main.ml
      inference_log:
        problem_type: PROBLEM_TYPE_REGRESSION
        prediction_col: prediction
        timestamp_col: ts
        granularities: [1 day]
        model_id_col: model_version
""",
        "      slicing_exprs: [\"region\"]\n",
        [("PUT", "/api/2.1/unity-catalog/tables/main.ml.inference/monitor")],
        lambda s, rid: s.state.monitors.get(rid),
        lambda s, rid: s.state.monitors.pop(rid),
        _seed_table,
    ),
    Case(
        "clusters", "shared",
        """  clusters:
    shared:
      cluster_name: staging-shared
      spark_version: 15.4.x-cpu-ml-scala2.12
      node_type_id: i3.xlarge
      num_workers: 1
      permissions:
        - level: CAN_RESTART
          group_name: users
""",
        "      autotermination_minutes: 30\n",
        [("POST", "/api/2.1/clusters/edit")],
        _cluster_find,
        lambda s, rid: s.state.clusters.pop(rid),
        access=lambda s, rid: s.state.permissions[("clusters", rid)]
        == [{"group_name": "users", "permission_level": "CAN_RESTART"}],
    ),
    Case(
        "secret_scopes", "creds",
        """  secret_scopes:
    creds:
      name: staging-creds
      permissions:
        - level: READ
          group_name: users
""",
        "        - level: WRITE\n          group_name: admins-ml\n",
        [("POST", "/api/2.0/secrets/acls/put")],
        lambda s, rid: s.state.scopes.get(rid),
        lambda s, rid: s.state.scopes.pop(rid),
        access=lambda s, rid: s.state.scopes[rid] == {s.user: "MANAGE", "users": "READ"},
    ),
    Case(
        "dashboards", "monitoring",
        """  dashboards:
    monitoring:
      display_name: Model monitoring
      parent_path: /Workspace/Shared/kinds/dashboards
      file_path: ./monitoring.lvdash.json
      warehouse_id: wh123
      permissions:
        - level: CAN_READ
          group_name: users
""",
        "      embed_credentials: false\n",
        [("PATCH", "/api/2.0/lakeview/dashboards/{id}"),
         ("POST", "/api/2.0/lakeview/dashboards/{id}/published")],
        _dashboard_find,
        lambda s, rid: s._db_trash({"id": rid}, {}, {}),
        access=lambda s, rid: s.state.permissions[("dashboards", rid)]
        == [{"group_name": "users", "permission_level": "CAN_READ"}],
    ),
]  # fmt: skip


def write_project(root: Path, host: str, resources: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "databricks.yml").write_text(HEADER.format(host=host) + resources)
    (root / "monitoring.lvdash.json").write_text('{"pages": [{"name": "p1"}]}\n')
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def deploy_now(root: Path, server: FakeDatabricks):  # noqa: ANN201
    bundle, diags = load_bundle(root, target="staging", current_user=current_user(server.url))
    assert bundle is not None and not diags.has_errors(), diags
    ws = open_workspace(bundle)
    return deploy(bundle, ws, approve=lambda _a: True), ws


def api_writes(server: FakeDatabricks, mark: int) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.writes(mark)
            if r.path not in ("/api/2.0/workspace/import", "/api/2.0/workspace/delete")
            or (r.body or {}).get("path") not in (LOCK, f"{ROOT}/state/deployment.json",
                                                  f"{ROOT}/state/sync.json")]  # fmt: skip


def bundle_loads(kind: str) -> bool:
    """Whether the bundle engine accepts ``kind`` yet (all kinds load once it does)."""
    from mlops_stacks.bundle.model import RESOURCE_KINDS

    return kind in RESOURCE_KINDS


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.skipif(not bundle_loads(c.kind),
                                              reason=f"the bundle engine does not load {c.kind}"))
     for c in CASES],
    ids=[c.kind for c in CASES],
)  # fmt: skip
def test_kind_contract(case: Case, tmp_path: Path, db_env: FakeDatabricks) -> None:
    case.setup(db_env)
    root = write_project(tmp_path / "kinds", db_env.url, case.before)

    # create
    result, ws = deploy_now(root, db_env)
    assert result.done["create"] == [f"{case.kind}.{case.key}"], result.notes
    rid = ws.read_state()["resources"][case.kind][case.key]["id"]
    assert case.find(db_env, rid) is not None
    assert case.access(db_env, rid) in (None, True), "permissions or grants differ"

    # no-op: only the lock is written
    mark = db_env.mark()
    result, _ = deploy_now(root, db_env)
    assert result.count("unchanged") == 1
    assert [(r.method, (r.body or {}).get("path")) for r in db_env.writes(mark)] == [
        ("POST", LOCK), ("POST", LOCK)]  # fmt: skip

    # one change: exactly the update call(s)
    write_project(root, db_env.url, case.before + case.after)
    mark = db_env.mark()
    result, ws = deploy_now(root, db_env)
    assert result.done.get("update") == [f"{case.kind}.{case.key}"]
    sent = [(m, p) for m, p in api_writes(db_env, mark) if not p.startswith("/api/2.0/workspace/")]
    assert sent == [(m, p.format(id=rid)) for m, p in case.update_calls]
    assert ws.read_state()["resources"][case.kind][case.key]["id"] == rid

    # deleted outside mlops-stacks (the workspace answers 404/400): recreated, with a warning
    case.forget(db_env, rid)
    result, ws = deploy_now(root, db_env)
    assert result.done["create"] == [f"{case.kind}.{case.key}"]
    assert any("deleted outside mlops-stacks" in n for n in result.notes)
    new_id = ws.read_state()["resources"][case.kind][case.key]["id"]
    assert case.find(db_env, new_id) is not None

    # removed from the bundle: deleted
    write_project(root, db_env.url, "  {}\n".replace("  {}", "  jobs: {}"))
    result, _ = deploy_now(root, db_env)
    assert result.done["delete"] == [f"{case.kind}.{case.key}"]
    assert case.find(db_env, new_id) is None
