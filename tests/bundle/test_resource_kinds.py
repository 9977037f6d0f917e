"""Every resource kind of the bundle format: derived shapes, load, merge, resolve, validate.

The bundle used here has one resource of every kind, its required fields
filled in, a target that overrides one field of each, and a job whose tags
read ``${resources.<kind>.<key>.<field>}`` of each. It must also pass the
official schema (the test oracle), so the filled-in values are real bundle
syntax and not only our own idea of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_stacks.bundle.loader import load_bundle
from mlops_stacks.bundle.model import RESOURCE_KINDS
from mlops_stacks.bundle.schema import derive, load_schema
from tests.conftest import ORACLE

SHAPES = json.loads(derive.OUTPUT.read_text())
DEFS = load_schema()["definitions"]


def _resolve(shape: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in shape:
        shape = DEFS[shape["$ref"].rsplit("/", 1)[1]]
    return shape


def _sample(shape: dict[str, Any]) -> Any:
    """A small valid value for ``shape``: required fields only."""
    shape = _resolve(shape)
    if "enum" in shape:
        return shape["enum"][0]
    kind = shape.get("type")
    if kind == "object":
        props = shape.get("properties") or {}
        return {name: _sample(props[name]) for name in shape.get("required", ())}
    if kind == "array":
        return [_sample(shape["items"])]
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind or "", "x")


def _field(kind: str) -> str:
    """A field of ``kind`` to override in a target and to reference."""
    rule = DEFS[SHAPES["kinds"][kind]]
    props = rule["properties"]
    for name in ("name", "display_name", "comment", "description", "cluster_name",
                 *rule.get("required", ())):
        if props.get(name) in ({"type": "string"}, {"type": "integer"}):
            return name
    raise AssertionError(f"{kind} has no plain field to override")


def _value(kind: str, target: str) -> str | int:
    if DEFS[SHAPES["kinds"][kind]]["properties"][_field(kind)] == {"type": "integer"}:
        return {"base": 1, "staging": 2}[target]
    # Experiment names are workspace paths.
    return f"/Shared/{kind}-{target}" if kind == "experiments" else f"{kind}-{target}"


#: Fields the Databricks CLI requires beyond the shapes' required fields.
EXTRA: dict[str, dict[str, Any]] = {
    "apps": {"source_code_path": "./app"},
    "dashboards": {"warehouse_id": "w1"},
}


def _key(kind: str) -> str:
    """One resource per kind; a key names one resource across all kinds, as the CLI requires."""
    return f"one_{kind}"


def _bundle() -> dict[str, Any]:
    resources: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    tags: dict[str, str] = {}
    for kind in SHAPES["kinds"]:
        field = _field(kind)
        spec = _sample({"$ref": "#/definitions/" + SHAPES["kinds"][kind]})
        spec.update(EXTRA.get(kind, {}))
        resources[kind] = {_key(kind): {**spec, field: _value(kind, "base")}}
        overrides[kind] = {_key(kind): {**spec, field: _value(kind, "staging")}}
        tags[kind] = f"${{resources.{kind}.{_key(kind)}.{field}}}"
    resources["jobs"]["ref"] = {"name": "refs", "tags": tags}
    return {
        "bundle": {"name": "kinds"},
        "resources": resources,
        "targets": {
            "local": {"default": True, "workspace": {"host": "local"}},
            "staging": {"workspace": {"host": "https://example.cloud.databricks.com"},
                        "resources": overrides},
        },
    }


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kinds")
    (root / "databricks.yml").write_text(yaml.safe_dump(_bundle(), sort_keys=False))
    return root


def test_shapes_are_generated_from_the_installed_packages() -> None:
    assert derive.render(derive.derive()) == derive.OUTPUT.read_text(), (
        "resource_shapes.json is stale: run python -m mlops_stacks.bundle.schema.derive")


def test_every_official_kind_is_known_with_the_official_fields() -> None:
    oracle_file = ORACLE.with_name("bundle_jsonschema.json")
    if not oracle_file.exists():
        pytest.skip(f"the bundle schema oracle is absent ({oracle_file})")
    oracle = json.loads(oracle_file.read_text())
    defs = oracle["$defs"]

    def deref(ref: str) -> dict[str, Any]:
        node: Any = defs
        for part in ref[len("#/$defs/"):].split("/"):
            node = node[part]
        return node.get("oneOf", [node])[0]

    kinds = defs["github.com"]["databricks"]["cli"]["bundle"]["config.Resources"]
    official = kinds["oneOf"][0]["properties"]
    assert len(official) >= 33
    assert set(official) <= set(RESOURCE_KINDS)
    missing: dict[str, set[str]] = {}
    for kind, ref in official.items():
        item = deref(deref(ref["$ref"])["additionalProperties"]["$ref"])
        ours = DEFS[SHAPES["kinds"][kind]]
        gone = set(item["properties"]) - set(ours["properties"])
        if gone:
            missing[kind] = gone
        assert set(item.get("required", ())) == set(ours.get("required", ())), kind
    # Fields the official schema still lists but the maintained models dropped.
    assert missing == {
        "job_runs": {"dbt_commands", "jar_params", "notebook_params", "python_named_params",
                     "python_params", "spark_submit_params", "sql_params"},
        "pipelines": {"trigger"},
    }


def test_the_sample_bundle_passes_the_official_schema(tmp_path: Path) -> None:
    if not ORACLE.exists():
        pytest.skip(f"the bundle schema oracle is absent ({ORACLE})")
    oracle = json.loads(ORACLE.with_name("bundle_jsonschema.json").read_text())
    official = set(oracle["$defs"]["github.com"]["databricks"]["cli"]["bundle"][
        "config.Resources"]["oneOf"][0]["properties"])
    bundle = _bundle()
    for section in (bundle["resources"], bundle["targets"]["staging"]["resources"]):
        for kind in set(section) - official:  # kinds newer than the oracle
            del section[kind]
    (tmp_path / "databricks.yml").write_text(yaml.safe_dump(bundle, sort_keys=False))
    result = subprocess.run([sys.executable, str(ORACLE), str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_kind_loads_merges_resolves_and_validates(bundle_dir: Path) -> None:
    bundle, diags = load_bundle(bundle_dir, target="staging", current_user={"userName": "me"},
                                env={})
    assert bundle is not None, [str(d) for d in diags]
    assert not diags.has_errors()
    tags = bundle.resources("jobs")["ref"]["tags"]
    for kind in SHAPES["kinds"]:
        field = _field(kind)
        assert bundle.resources(kind)[_key(kind)][field] == _value(kind, "staging"), kind
        assert tags[kind] == str(_value(kind, "staging")), kind
    assert {kind for kind, _, _ in bundle.all_resources()} == set(SHAPES["kinds"])


def test_a_wrong_field_in_a_new_kind_is_reported_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "databricks.yml").write_text(
        "bundle: {name: x}\nresources:\n  volumes:\n    v:\n      catalog_name: main\n"
        "      schema_name: s\n      name: v\n      volume_typ: MANAGED\n"
        "targets:\n  local:\n    workspace: {host: local}\n")
    _, diags = load_bundle(tmp_path, env={})
    found = [d for d in diags if "volume_typ" in d.summary]
    assert len(found) == 1
    assert found[0].location.line == 8
    assert found[0].detail == 'Did you mean "volume_type"?'


def _cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "BUNDLE_"))}
    full.update(NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1", COLUMNS="200", **env)
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)


def test_summary_plan_list_every_kind_and_local_deploy_says_what_each_means(
        bundle_dir: Path) -> None:
    from mlops_stacks.deploy.desired import DATABRICKS_ONLY
    from mlops_stacks.workspace.local_kinds import LOCAL_MEANINGS

    validate = _cli(bundle_dir, "validate", "-o", "json")
    assert validate.returncode == 0, validate.stderr
    assert set(json.loads(validate.stdout)["resources"]) == set(SHAPES["kinds"])

    plan = _cli(bundle_dir, "plan", "-o", "json")
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)
    assert {a["kind"] for a in data["actions"]} == set(LOCAL_MEANINGS)
    assert data["not_deployable"] == []
    lines = {line.split(" (", 1)[0]: line for line in data["kinds"]}
    assert set(lines) == set(SHAPES["kinds"])
    for kind, line in lines.items():
        assert line.endswith(LOCAL_MEANINGS.get(kind, DATABRICKS_ONLY)), line

    deploy = _cli(bundle_dir, "deploy", "--auto-approve")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    for kind in SHAPES["kinds"]:
        said = [ln for ln in deploy.stdout.splitlines() if ln.strip().startswith(f"{kind} (")]
        assert len(said) == 1, (kind, deploy.stdout)
        assert ("runs only on Databricks" in said[0]) == (kind not in LOCAL_MEANINGS), said
    volume = yaml.safe_load((bundle_dir / "databricks.yml").read_text())["resources"]["volumes"]
    names = [volume[_key("volumes")][k] for k in ("catalog_name", "schema_name", "name")]
    assert (bundle_dir / ".mlops-stacks" / "local" / "volumes").joinpath(*names).is_dir()


def test_deploy_names_what_databricks_cannot_deploy_before_changing_anything(
        bundle_dir: Path, tmp_path: Path) -> None:
    from tests.databricks.fake_server import FakeDatabricks

    root = tmp_path / "bundle"
    shutil.copytree(bundle_dir, root)
    server = FakeDatabricks().start()
    try:
        text = (root / "databricks.yml").read_text()
        (root / "databricks.yml").write_text(
            text.replace("https://example.cloud.databricks.com", server.url))
        deploy = _cli(root, "deploy", "-t", "staging", "--auto-approve",
                      DATABRICKS_HOST=server.url, DATABRICKS_TOKEN=server.token,
                      DATABRICKS_CONFIG_FILE=str(tmp_path / "none"))
        writes = server.writes()
    finally:
        server.stop()
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    assert "Traceback" not in deploy.stderr
    assert "cannot deploy these resources to Databricks yet" in deploy.stderr
    assert "resources.postgres_projects.one_postgres_projects" in deploy.stderr
    assert "resources.jobs.one_jobs" not in deploy.stderr
    assert writes == []
