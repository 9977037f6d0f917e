"""Errors the Databricks CLI makes at validate: one key per resource or script, grants
without privileges, run_as for resources that run as their owner."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle import load_bundle
from tests.bundle.bundle_testkit import write_files

ROOT = """\
bundle:
  name: keys
include:
  - "*.yml"
scripts:
  report:
    content: echo report
resources:
  jobs:
    train: {name: train}
  pipelines:
    train: {name: train pipeline}
  experiments:
    report: {name: /Shared/report}
targets:
  local:
    default: true
    workspace:
      host: local
"""


def test_a_key_used_twice_is_an_error_naming_both_places(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": ROOT,
                           "more.yml": "scripts:\n  report:\n    content: echo again\n"})
    bundle, diags = load_bundle(tmp_path, env={})
    assert bundle is None
    summaries = sorted(d.summary for d in diags.errors)
    assert summaries == [
        '"report" names both resources.experiments.report and scripts.report',
        '"train" names both resources.jobs.train and resources.pipelines.train',
        "script scripts.report is defined in more than one file",
    ]
    (both,) = [d for d in diags.errors if "jobs.train" in d.summary]
    assert [loc.line for loc in both.locations] == [12, 10]


def test_a_grant_without_privileges_is_an_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": """\
bundle:
  name: grants
resources:
  schemas:
    ml:
      catalog_name: main
      name: ml
      grants:
        - principal: data-scientists
          privileges: []
targets:
  local:
    default: true
    workspace:
      host: local
"""})
    _, diags = load_bundle(tmp_path, env={})
    assert [(d.summary, d.path) for d in diags.errors] == [
        ("a grant needs privileges", "resources.schemas.ml.grants[0]")]


def test_run_as_someone_else_refuses_what_runs_as_its_owner(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": """\
bundle:
  name: owner
run_as:
  service_principal_name: deployer-sp
resources:
  dashboards:
    embedded: {display_name: a, warehouse_id: w, embed_credentials: true}
    viewer: {display_name: b, warehouse_id: w, embed_credentials: false}
  jobs:
    train: {name: train}
targets:
  local:
    default: true
    workspace:
      host: local
"""})
    _, diags = load_bundle(tmp_path, env={}, current_user={"userName": "jane@example.com"})
    assert [(d.summary, d.path) for d in diags.errors] == [
        ("a dashboard with embed_credentials: true cannot run as deployer-sp",
         "resources.dashboards.embedded")]
    _, diags = load_bundle(tmp_path, env={}, current_user={"userName": "deployer-sp"})
    assert not diags.errors
