"""Diagnostics point at the line to fix: YAML syntax errors and unknown --var names."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle import load_bundle
from mlops_stacks.bundle.yaml_loader import parse_yaml


def test_unclosed_flow_mapping_also_names_the_line_it_started_on() -> None:
    text = "resources:\n  jobs:\n    train:\n      tags: {team: ml\n      name: train\n"
    node, diags = parse_yaml(text, "f.yml")
    assert node is None
    (err,) = diags
    assert err.summary.startswith("invalid YAML")
    where = [(loc.file, loc.line, loc.column) for loc in err.locations]
    assert where == [("f.yml", 5, 11), ("f.yml", 4, 13)]  # where the parser stopped, the `{`
    assert err.detail == "While parsing a flow mapping that starts at line 4, column 13."


def test_error_without_a_separate_start_has_one_location() -> None:
    _, diags = parse_yaml("a:\n  b: x: y\n", "f.yml")
    (err,) = diags
    assert [(loc.line, loc.column) for loc in err.locations] == [(2, 7)]
    assert err.detail == ""


def test_unknown_var_points_at_the_variables_key(tmp_path: Path) -> None:
    (tmp_path / "databricks.yml").write_text(
        "bundle:\n  name: demo\n\n# inputs\nvariables:\n  catalog:\n    default: main\n"
    )
    _, diags = load_bundle(tmp_path, variables={"catlog": "x"}, env={})
    (err,) = diags.errors
    assert err.summary == '--var sets "catlog", which is not a declared variable'
    loc = err.location
    assert (Path(loc.file).name, loc.line, loc.column) == ("databricks.yml", 5, 1)


def test_unknown_var_without_variables_points_at_the_top_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "databricks.yml").write_text("\nbundle:\n  name: demo\n")
    _, diags = load_bundle(tmp_path, variables={"catlog": "x"}, env={})
    (err,) = diags.errors
    assert (Path(err.location.file).name, err.location.line) == ("databricks.yml", 2)
