"""The bundle schema, checked through located YAML: severities, locations, paths, hints."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from mlops_stacks.bundle.model import RESOURCE_KINDS
from mlops_stacks.bundle.schema import check_schema, editor_schema, load_schema
from mlops_stacks.bundle.yaml_loader import load_yaml_file
from mlops_stacks.diagnostics import Diagnostics, Severity
from tests.conftest import ORACLE


def _check(tmp_path: Path, text: str) -> Diagnostics:
    path = tmp_path / "databricks.yml"
    path.write_text(textwrap.dedent(text))
    tree, diags = load_yaml_file(path)
    assert not diags, diags
    return check_schema(tree)


def _one(diags: Diagnostics) -> object:
    assert len(diags) == 1, [d.summary for d in diags]
    return diags[0]


VALID = """\
bundle:
  name: demo
variables:
  catalog:
    default: main
workspace:
  host: local
resources:
  experiments:
    experiment:
      name: /Users/me/demo-experiment
  registered_models:
    model:
      name: demo-model
      catalog_name: ${var.catalog}
      schema_name: ml
  jobs:
    train:
      name: train
      max_concurrent_runs: ${var.runs}
      timeout_seconds: "3600"
      parameters:
        - name: env
          default: dev
      schedule:
        quartz_cron_expression: "0 0 6 * * ?"
        timezone_id: UTC
        pause_status: PAUSED
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: training/notebooks/Train.py
            base_parameters: {env: "{{job.parameters.env}}"}
        - task_key: Validate
          depends_on: [{task_key: Train}]
          spark_python_task: {python_file: validation/run.py, parameters: [a, b]}
targets:
  local:
    default: true
    mode: development
    workspace: {host: local}
  prod:
    mode: production
    variables:
      catalog: prod
"""


def test_valid_bundle_has_no_diagnostics(tmp_path: Path) -> None:
    assert list(_check(tmp_path, VALID)) == []


def test_unknown_field_is_a_warning_with_did_you_mean_at_the_key(tmp_path: Path) -> None:
    d = _one(_check(tmp_path, """\
        bundle:
          name: demo
        resources:
          jobs:
            train:
              taks:
                - task_key: a
        """))
    assert d.severity is Severity.WARNING
    assert d.summary == 'unknown field "taks"'
    assert d.path == "resources.jobs.train.taks"
    assert (d.location.line, d.location.column) == (6, 7)
    assert 'Did you mean "tasks"?' in d.detail


def test_strict_turns_unknown_fields_into_errors(tmp_path: Path) -> None:
    diags = _check(tmp_path, "bundle:\n  name: demo\n  nmae: x\n")
    assert not diags.has_errors()
    assert diags.strict().has_errors()


def test_unknown_resource_kind_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    d = _one(_check(tmp_path, """\
        bundle: {name: demo}
        resources:
          pipeline:
            p: {name: x}
        """))
    assert d.severity is Severity.WARNING
    assert d.summary == 'unknown resource kind "pipeline"'
    assert d.location.line == 3
    assert d.detail == 'Did you mean "pipelines"?'


def test_every_kind_of_the_bundle_format_is_known(tmp_path: Path) -> None:
    oracle_file = ORACLE.with_name("bundle_jsonschema.json")
    if not oracle_file.exists():
        pytest.skip(f"the bundle schema oracle is absent ({oracle_file})")
    oracle = json.loads(oracle_file.read_text())
    defs = oracle["$defs"]["github.com"]["databricks"]["cli"]["bundle"]
    official = set(defs["config.Resources"]["oneOf"][0]["properties"])
    assert len(official) >= 33
    assert official <= set(RESOURCE_KINDS)
    assert official <= set(load_schema()["definitions"]["resources"]["properties"])


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    d = _one(_check(tmp_path, """\
        bundle: {name: demo}
        resources:
          jobs:
            train:
              tasks:
                task_key: a
        """))
    assert d.severity is Severity.WARNING  # and the value is dropped, as the CLI does
    assert d.summary == "expected a list, found a mapping"
    assert d.path == "resources.jobs.train.tasks"
    assert d.location.line == 6
    assert "'- '" in d.detail


def test_bad_enum_lists_allowed_values_and_suggests(tmp_path: Path) -> None:
    d = _one(_check(tmp_path, """\
        bundle: {name: demo}
        targets:
          dev:
            mode: develop
        """))
    assert d.summary == 'invalid value "develop" for mode'
    assert 'Did you mean "development"?' in d.detail
    assert '"development" or "production"' in d.detail
    assert (d.location.line, d.location.column) == (4, 11)


def test_missing_required_fields(tmp_path: Path) -> None:
    diags = _check(tmp_path, """\
        bundle:
          uuid: abc
        resources:
          jobs:
            train:
              tasks:
                - notebook_task: {notebook_path: x}
        """)
    assert [d.summary for d in diags] == [
        'missing required field "name"',
        'missing required field "task_key"',
    ]
    assert diags[0].path == "bundle.name"
    assert diags[0].location.line == 2
    assert diags[1].path == "resources.jobs.train.tasks[0].task_key"
    assert diags[1].location.line == 7
    assert all(d.severity is Severity.ERROR for d in diags)


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_concurrent_runs", "${var.n}"), ("max_concurrent_runs", "'4'"),
     ("performance_target", "${var.target}"), ("tasks", "${var.tasks}")],
)
def test_references_and_numeric_strings_are_accepted(tmp_path: Path, field: str,
                                                     value: str) -> None:
    text = f"bundle: {{name: demo}}\nresources:\n  jobs:\n    j:\n      {field}: {value}\n"
    assert list(_check(tmp_path, text)) == []


def test_numbers_and_booleans_where_strings_are_expected_become_strings(
        tmp_path: Path) -> None:
    path = tmp_path / "databricks.yml"
    path.write_text("bundle:\n  name: 123\nresources:\n  jobs:\n    j:\n      tasks:\n"
                    "        - task_key: t\n          notebook_task:\n"
                    "            notebook_path: n\n"
                    "            base_parameters: {n: 70, f: 0.5, b: true}\n")
    tree, _ = load_yaml_file(path)
    assert list(check_schema(tree)) == []
    assert tree.at("bundle", "name").value == "123"
    params = tree.at("resources", "jobs", "j", "tasks", 0, "notebook_task", "base_parameters")
    assert {k: v.value for k, v in params.value.items()} == {"n": "70", "f": "0.5", "b": "true"}


def test_a_mapping_where_a_string_is_expected_is_reported(tmp_path: Path) -> None:
    d = _one(_check(tmp_path, "bundle:\n  name: {a: 1}\n"))
    assert d.summary == "expected a string, found a mapping"


def test_root_must_be_a_mapping(tmp_path: Path) -> None:
    d = _one(_check(tmp_path, "- a\n- b\n"))
    assert d.summary == "the configuration must be a mapping, found a list"
    assert d.location.line == 1


def test_schema_file_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(load_schema())
    jsonschema.Draft7Validator.check_schema(editor_schema())


def test_editor_schema_accepts_references_in_typed_fields() -> None:
    validator = jsonschema.Draft7Validator(editor_schema())
    ok = {"bundle": {"name": "x"}, "resources": {"jobs": {"j": {
        "max_concurrent_runs": "${var.n}", "tasks": [{"task_key": "a", "max_retries": 2}]}}}}
    assert list(validator.iter_errors(ok)) == []
    bad = {"resources": {"jobs": {"j": {"max_concurrent_runs": "many"}}}}
    assert list(validator.iter_errors(bad))


def test_schema_is_not_the_official_one() -> None:
    # Written for our subset: draft-07 with flat definitions and our own $id.
    schema = load_schema()
    assert schema["$id"].startswith("https://mlops-stacks")
    assert "$defs" not in schema
    assert json.dumps(schema).count("github.com/databricks") == 0


def test_schema_uses_only_keywords_the_checker_understands() -> None:
    from mlops_stacks.bundle.schema.compiled import compile_schema

    compile_schema(load_schema())  # raises on an unsupported keyword
    with pytest.raises(ValueError, match="unsupported schema keywords"):
        compile_schema({"type": "object", "oneOf": [{"type": "string"}]})


def test_out_of_range_and_empty_values(tmp_path: Path) -> None:
    diags = _check(tmp_path, """\
        bundle: {name: ""}
        resources:
          jobs:
            j:
              max_concurrent_runs: -1
        """)
    assert [(d.summary, d.location.line) for d in diags] == [
        ("name must not be empty", 1),
    ]
