"""SetVariables: precedence --var > BUNDLE_VAR_ > target > default, and the errors."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps.set_variables import SetVariables
from tests.bundle.bundle_testkit import plain, targeted

TEXT = """
bundle:
  name: demo
variables:
  catalog:
    description: Unity Catalog catalog
    default: main
  schema:
    default: base_schema
  owner:
    description: no default
  cluster:
    type: complex
    default:
      num_workers: 1
      spark_conf: {a: b}
targets:
  dev:
    default: true
    variables:
      schema: dev_schema
      owner: team@example.com
"""


def assign(tmp_path: Path, text: str = TEXT, **kwargs: object):
    ctx, diags = targeted(tmp_path, {"databricks.yml": text}, **kwargs)
    diags.extend(SetVariables().apply(ctx))
    return ctx, diags


def value(ctx, name: str) -> object:
    return plain(ctx, "variables", name, "value")


def test_default_then_target(tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path)
    assert not diags
    assert value(ctx, "catalog") == "main"
    assert value(ctx, "schema") == "dev_schema"
    assert value(ctx, "owner") == "team@example.com"


def test_env_beats_target_and_var_beats_env(tmp_path: Path) -> None:
    env = {"BUNDLE_VAR_schema": "env_schema", "BUNDLE_VAR_catalog": "env_cat"}
    ctx, diags = assign(tmp_path, env=env, variables_arg={"catalog": "cli_cat"})
    assert not diags
    assert value(ctx, "schema") == "env_schema"
    assert value(ctx, "catalog") == "cli_cat"
    assert ctx.tree.at("variables", "catalog", "value").loc.file == "<--var catalog>"


def test_complex_default_keeps_its_structure(tmp_path: Path) -> None:
    ctx, _ = assign(tmp_path)
    assert value(ctx, "cluster") == {"num_workers": 1, "spark_conf": {"a": "b"}}


def test_unset_variable_names_it_and_how_to_set_it(tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path, TEXT.replace("      owner: team@example.com\n", ""))
    (err,) = diags.errors
    assert err.summary == 'variable "owner" has no value'
    assert "--var owner=VALUE" in err.detail and "BUNDLE_VAR_owner" in err.detail
    assert "default" in err.detail
    assert err.location.line == 10


def test_var_for_undeclared_variable_is_an_error(tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path, variables_arg={"catalgo": "x"})
    (err,) = diags.errors
    assert err.summary == '--var sets "catalgo", which is not a declared variable'
    assert 'Did you mean "catalog"?' in err.detail


def test_complex_default_without_type_complex_is_accepted_as_in_the_cli(
        tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path, TEXT.replace("    type: complex\n", ""))
    assert not diags.errors
    assert plain(ctx, "variables", "cluster", "value")


def test_complex_variable_cannot_come_from_the_command_line(tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path, variables_arg={"cluster": "{}"})
    assert "cannot be set from --var" in diags.errors[0].summary


def test_lookup_variable_is_left_for_the_workspace(tmp_path: Path) -> None:
    text = TEXT.replace("  owner:\n    description: no default\n",
                        "  owner:\n    lookup:\n      service_principal: ci\n")
    text = text.replace("      owner: team@example.com\n", "")
    ctx, diags = assign(tmp_path, text)
    assert not diags
    assert ctx.tree.at("variables", "owner", "value") is None
    assert [name for name, _ in ctx.pending_lookups] == ["owner"]


def test_lookup_variable_given_on_the_command_line_has_a_value(tmp_path: Path) -> None:
    text = TEXT.replace("  owner:\n    description: no default\n",
                        "  owner:\n    lookup:\n      service_principal: ci\n")
    ctx, diags = assign(tmp_path, text, env={"BUNDLE_VAR_owner": "sp-id"})
    assert value(ctx, "owner") == "sp-id" and not ctx.pending_lookups


def test_declaration_must_be_a_mapping(tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path, "bundle:\n  name: d\nvariables:\n  x: 3\n")
    assert 'variable "x" must be a mapping' in diags.errors[0].summary


def test_declaration_without_body_needs_a_value(tmp_path: Path) -> None:
    ctx, diags = assign(tmp_path, "bundle:\n  name: d\nvariables:\n  x:\n",
                        variables_arg={"x": "1"})
    assert not diags and value(ctx, "x") == "1"


def _overrides(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".databricks" / "bundle" / "dev" / "variable-overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_the_overrides_file_sits_between_the_environment_and_the_target(
        tmp_path: Path) -> None:
    path = _overrides(tmp_path, '{"schema": "file_schema", "catalog": "file_cat", '
                                '"cluster": {"num_workers": 4}, "undeclared": 1}')
    ctx, diags = assign(tmp_path, env={"BUNDLE_VAR_catalog": "env_cat"})
    assert not diags, [str(d) for d in diags]
    assert value(ctx, "schema") == "file_schema"       # beats the target's value
    assert value(ctx, "catalog") == "env_cat"          # the environment beats the file
    assert value(ctx, "cluster") == {"num_workers": 4}  # complex values too
    assert ctx.tree.at("variables", "schema", "value").loc.file == str(path)


def test_a_broken_overrides_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = _overrides(tmp_path, '{\n  "schema": oops\n}\n')
    _, diags = assign(tmp_path)
    (err,) = diags.errors
    assert err.summary.startswith("cannot read the variables file")
    assert (err.location.file, err.location.line) == (str(path), 2)


def test_overrides_must_be_an_object_of_values_of_the_declared_kind(tmp_path: Path) -> None:
    path = _overrides(tmp_path, '["schema"]')
    _, diags = assign(tmp_path)
    assert [d.summary for d in diags.errors] == [
        "the variables file must be a JSON object of variable values"]
    path.write_text('{"schema": {"a": 1}, "cluster": "big"}')
    _, diags = assign(tmp_path)
    assert [d.summary for d in diags.errors] == [
        'variable "schema" is not of type complex, but its value in the variables file is '
        "a list or mapping",
        'variable "cluster" is of type complex, but its value in the variables file is not '
        "a list or mapping",
    ]
