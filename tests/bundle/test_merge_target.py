"""MergeTarget: how a target's overrides combine with the top level."""

from __future__ import annotations

from pathlib import Path

from tests.bundle.bundle_testkit import plain, targeted

BASE = """
bundle:
  name: demo
workspace:
  host: https://base.example.com
  profile: base
variables:
  catalog:
    default: main
  schema:
    default: s
permissions:
  - level: CAN_VIEW
    group_name: users
run_as:
  user_name: base@example.com
sync:
  include: [a]
resources:
  jobs:
    train:
      name: train
      tags: {team: ml}
      parameters:
        - {name: env, default: base}
        - {name: keep, default: k}
      job_clusters:
        - job_cluster_key: small
          new_cluster: {num_workers: 1, spark_version: "15.4.x-scala2.12"}
      environments:
        - environment_key: default
          spec: {client: "1"}
      tasks:
        - task_key: Train
          notebook_task: {notebook_path: nb/Train.py, base_parameters: {a: "1"}}
          libraries: [{pypi: {package: x}}]
        - task_key: Validate
          notebook_task: {notebook_path: nb/Validate.py}
targets:
  dev:
    default: true
    mode: development
    git: {branch: main}
    compute_id: abc
    workspace:
      host: local
    presets:
      name_prefix: "dev_"
    sync:
      include: [b]
    permissions:
      - level: CAN_MANAGE
        user_name: me@example.com
    run_as:
      service_principal_name: sp
    variables:
      catalog: dev_cat
      schema:
        default: dev_s
    resources:
      jobs:
        train:
          tags: {extra: "1"}
          parameters:
            - {name: env, default: dev}
            - {name: added, default: a}
          job_clusters:
            - job_cluster_key: small
              new_cluster: {num_workers: 2}
          environments:
            - environment_key: default
              spec: {dependencies: [x]}
          tasks:
            - task_key: Train
              notebook_task: {base_parameters: {b: "2"}}
              libraries: [{pypi: {package: y}}]
            - task_key: Deploy
              notebook_task: {notebook_path: nb/Deploy.py}
  prod:
    workspace:
      host: https://prod.example.com
"""


def test_maps_merge_with_the_target_winning(tmp_path: Path) -> None:
    ctx, diags = targeted(tmp_path, {"databricks.yml": BASE})
    assert not diags
    assert plain(ctx, "workspace") == {"host": "local", "profile": "base"}
    assert plain(ctx, "resources", "jobs", "train", "tags") == {"team": "ml", "extra": "1"}
    assert plain(ctx, "presets") == {"name_prefix": "dev_"}


def test_plain_lists_concatenate(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": BASE})
    assert plain(ctx, "sync", "include") == ["a", "b"]
    assert [p.get("group_name") or p.get("user_name") for p in plain(ctx, "permissions")] == [
        "users", "me@example.com"]


def test_tasks_merge_by_task_key(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": BASE})
    tasks = plain(ctx, "resources", "jobs", "train", "tasks")
    assert [t["task_key"] for t in tasks] == ["Train", "Validate", "Deploy"]
    train = tasks[0]
    assert train["notebook_task"] == {"notebook_path": "nb/Train.py",
                                      "base_parameters": {"a": "1", "b": "2"}}
    assert train["libraries"] == [{"pypi": {"package": "x"}}, {"pypi": {"package": "y"}}]


def test_job_clusters_parameters_environments_merge_by_key(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": BASE})
    job = plain(ctx, "resources", "jobs", "train")
    assert job["job_clusters"] == [{"job_cluster_key": "small", "new_cluster": {
        "num_workers": 2, "spark_version": "15.4.x-scala2.12"}}]
    assert job["parameters"] == [{"name": "env", "default": "dev"},
                                 {"name": "keep", "default": "k"},
                                 {"name": "added", "default": "a"}]
    assert job["environments"] == [{"environment_key": "default",
                                     "spec": {"client": "1", "dependencies": ["x"]}}]


def test_mode_git_compute_and_run_as(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": BASE})
    assert plain(ctx, "bundle") == {"name": "demo", "mode": "development",
                                    "git": {"branch": "main"}, "cluster_id": "abc",
                                    "target": "dev"}
    assert plain(ctx, "run_as") == {"service_principal_name": "sp"}
    assert ctx.tree.get("targets") is None


def test_target_variables_shorthand_and_default_form(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": BASE})
    assert plain(ctx, "variables", "catalog", "default") == "dev_cat"
    assert plain(ctx, "variables", "schema", "default") == "dev_s"


def test_other_target_leaves_the_top_level_alone(tmp_path: Path) -> None:
    ctx, diags = targeted(tmp_path, {"databricks.yml": BASE}, target_arg="prod")
    assert not diags
    assert plain(ctx, "workspace", "host") == "https://prod.example.com"
    assert plain(ctx, "bundle", "target") == "prod"
    assert [t["task_key"] for t in plain(ctx, "resources", "jobs", "train", "tasks")] == [
        "Train", "Validate"]
    assert plain(ctx, "run_as") == {"user_name": "base@example.com"}


def test_target_lookup_replaces_the_default(tmp_path: Path) -> None:
    text = BASE.replace("      catalog: dev_cat\n",
                        "      catalog:\n        lookup: {cluster: shared}\n")
    ctx, _ = targeted(tmp_path, {"databricks.yml": text})
    assert plain(ctx, "variables", "catalog") == {"lookup": {"cluster": "shared"}}


def test_undeclared_target_variable_is_an_error(tmp_path: Path) -> None:
    text = BASE.replace("      catalog: dev_cat\n", "      catalg: dev_cat\n")
    ctx, diags = targeted(tmp_path, {"databricks.yml": text})
    (err,) = diags.errors
    assert err.summary == 'target sets variable "catalg", which is not declared'
    assert 'Did you mean "catalog"?' in err.detail


def test_unknown_target_key_is_a_warning(tmp_path: Path) -> None:
    text = BASE.replace("    compute_id: abc\n", "    worksapce: {}\n")
    ctx, diags = targeted(tmp_path, {"databricks.yml": text})
    (warn,) = diags.warnings
    assert warn.summary == 'unknown key "worksapce" in target dev'
    assert 'Did you mean "workspace"?' in warn.detail


def test_empty_target_body_changes_nothing(tmp_path: Path) -> None:
    text = "bundle:\n  name: d\nworkspace:\n  host: h\ntargets:\n  dev:\n"
    ctx, diags = targeted(tmp_path, {"databricks.yml": text})
    assert not diags
    assert plain(ctx, "workspace", "host") == "h"
    assert plain(ctx, "bundle", "target") == "dev"


def test_merged_values_keep_their_locations(tmp_path: Path) -> None:
    ctx, _ = targeted(tmp_path, {"databricks.yml": BASE})
    host = ctx.tree.at("workspace", "host")
    profile = ctx.tree.at("workspace", "profile")
    assert host.loc.line > profile.loc.line  # host comes from the target, further down
