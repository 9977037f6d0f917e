"""CheckAlertFiles: an alert defined by a .dbalert.json file, checked as the CLI checks it."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle import load_bundle
from tests.bundle.bundle_testkit import write_files
from tests.deploy.bundle_project import DATABRICKS_YML

ALERT = """\
resources:
  alerts:
    slow_queries:
      warehouse_id: "0123456789012345"
      display_name: Slow queries
      file_path: ../alerts/slow.dbalert.json
{extra}"""
GOOD = '{"query_lines": ["SELECT 1"], "evaluation": {"comparison_operator": "GREATER_THAN"}}'


def _load(tmp_path: Path, extra: str = "", content: str | None = GOOD):
    files = {"databricks.yml": DATABRICKS_YML, "resources/alert.yml": ALERT.format(extra=extra)}
    if content is not None:
        files["alerts/slow.dbalert.json"] = content
    write_files(tmp_path, files)
    return load_bundle(tmp_path, env={})


def test_an_alert_file_next_to_the_allowed_fields_validates(tmp_path: Path) -> None:
    bundle, diags = _load(tmp_path, "      permissions: [{level: CAN_READ, group_name: users}]\n")
    assert bundle is not None and not diags.errors, [str(d) for d in diags]


def test_fields_the_file_defines_are_refused_in_the_yaml(tmp_path: Path) -> None:
    _, diags = _load(tmp_path, '      query_text: "select 3"\n')
    (err,) = diags.errors
    assert err.summary == "field query_text is not allowed beside file_path"
    assert err.path == "resources.alerts.slow_queries.query_text"
    assert Path(err.location.file).name == "alert.yml" and err.location.line == 7


def test_the_file_must_exist_be_json_and_hold_no_references(tmp_path: Path) -> None:
    _, diags = _load(tmp_path, content=None)
    assert diags.errors[0].summary.startswith(
        "cannot read the alert file alerts/slow.dbalert.json")
    assert diags.errors[0].location.line == 6
    _, diags = _load(tmp_path, content="{nope")
    assert "is not valid JSON" in diags.errors[0].summary
    _, diags = _load(tmp_path, content='{"query_lines": ["SELECT * FROM ${var.table}"]}')
    assert [d.summary for d in diags.errors] == [
        "the alert file alerts/slow.dbalert.json contains a ${...} reference"]
