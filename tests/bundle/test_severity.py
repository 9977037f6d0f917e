"""Severity as the Databricks CLI has it: what it warns about we warn about, and vice versa."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.loader import load_bundle
from mlops_stacks.diagnostics import Severity
from tests.bundle.bundle_testkit import write_files

BASE = """\
bundle:
  name: demo
resources:
  jobs:
    train:
      name: train
      tags: prod
      tasks:
        - task_key: t
          run_if: all_success
          new_cluster:
            data_security_mode: SINGLE
          notebook_task: {{notebook_path: ./nb.py}}
    empty:
      name: ""
      tasks:
  models:
    m:
      description: no name
targets:
  local:
    default: true
    mode: development
    workspace:
      host: local
  staging:
    workspace:
      host: https://adb-1.2.azuredatabricks.net
{extra}"""


def _load(tmp_path: Path, target: str, extra: str = "", strict: bool = False):
    write_files(tmp_path, {"databricks.yml": BASE.format(extra=extra), "nb.py": ""})
    return load_bundle(tmp_path, target=target, env={}, strict=strict)


def test_warnings_where_the_cli_warns_on_every_target(tmp_path: Path) -> None:
    for target in ("local", "staging"):
        bundle, diags = _load(tmp_path, target)
        assert bundle is not None, [str(d) for d in diags.errors]
        found = sorted((d.path or "", d.severity) for d in diags if d.severity is not Severity.INFO)
        assert found == [
            ("resources.jobs.train.tags", Severity.WARNING),
            ("resources.jobs.train.tasks[0].new_cluster.data_security_mode", Severity.WARNING),
            ("resources.jobs.train.tasks[0].run_if", Severity.WARNING),
            ("resources.models.m.name", Severity.WARNING),
        ], target
        # A value of the wrong type is dropped, not replaced by presets on one target only.
        assert "tags" not in bundle.resources("jobs")["train"] or target == "local" and \
            bundle.resources("jobs")["train"]["tags"] != "prod"
        assert bundle.resources("jobs")["empty"]["tasks"] is None


def test_strict_makes_them_errors(tmp_path: Path) -> None:
    bundle, diags = _load(tmp_path, "staging", strict=True)
    assert bundle is None and len(diags.errors) == 4


def test_errors_where_the_cli_rejects(tmp_path: Path) -> None:
    extra = "run_as: {}\n"
    _, diags = _load(tmp_path, "staging", extra)
    assert [d.summary for d in diags.errors] == [
        "run_as must name a user_name or a service_principal_name"]
    extra = "run_as: {user_name: a@example.com, service_principal_name: sp}\n"
    _, diags = _load(tmp_path / "b", "staging", extra)
    assert [d.summary for d in diags.errors] == [
        "run_as can name a user_name or a service_principal_name, not both"]


def test_a_mapping_in_a_target_variable_is_a_complex_value(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": """\
        bundle: {name: demo}
        variables:
          cluster:
            type: complex
            default: {num_workers: 1}
        resources:
          jobs:
            train:
              job_clusters:
                - job_cluster_key: main
                  new_cluster: ${var.cluster}
        targets:
          local:
            workspace: {host: local}
            variables:
              cluster:
                num_workers: 4
                node_type_id: i3.xlarge
        """})
    bundle, diags = load_bundle(tmp_path, env={})
    assert bundle is not None, [str(d) for d in diags]
    assert bundle.resources("jobs")["train"]["job_clusters"][0]["new_cluster"] == {
        "num_workers": 4, "node_type_id": "i3.xlarge"}
