"""load_bundle end to end: the public API on small bundles written to tmp_path."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import pytest

import mlops_stacks.bundle as bundle_api
from mlops_stacks.bundle import Bundle, bundle_summary, load_bundle
from mlops_stacks.bundle.users import short_name
from mlops_stacks.errors import ConfigError
from tests.bundle.bundle_testkit import write_files

FILES = {
    "databricks.yml": """
        bundle:
          name: demo
        include:
          - resources/*.yml
        variables:
          catalog:
            default: main
          workers:
            default: 1
        workspace:
          root_path: /Workspace/Shared/.bundle/${bundle.name}/${bundle.target}
        targets:
          local:
            default: true
            mode: development
            workspace:
              host: local
              root_path: ~/.bundle/${bundle.name}/${bundle.target}
          staging:
            workspace:
              host: https://dbc-5e1f0c2a-7b3d.cloud.databricks.com
            variables:
              catalog: staging
    """,
    "resources/job.yml": """
        resources:
          jobs:
            train:
              name: train-${var.catalog}
              tasks:
                - task_key: Train
                  notebook_task:
                    notebook_path: ../training/Train.py
                    base_parameters:
                      experiment: ${resources.experiments.exp.name}
                      user: ${workspace.current_user.short_name}
                      run: ${resources.jobs.train.id}
          experiments:
            exp:
              name: ${workspace.root_path}/exp
    """,
    "training/Train.py": "# Databricks notebook source\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, FILES)


def test_public_api_exports() -> None:
    assert sorted(bundle_api.__all__) == ["Bundle", "bundle_summary", "find_bundle_root",
                                          "load_bundle"]


def test_local_target_resolves_everything(project: Path) -> None:
    bundle, diags = load_bundle(project, env={})
    assert isinstance(bundle, Bundle) and not diags.errors, diags
    user = getpass.getuser()
    short = short_name(user)
    root = f"/Workspace/Users/{user}/.bundle/demo/local"
    assert bundle.target == "local" and bundle.is_local and bundle.mode == "development"
    assert bundle.workspace["root_path"] == root
    job = bundle.resources("jobs")["train"]
    assert job["name"] == f"[dev {short}] train-main"
    params = job["tasks"][0]["notebook_task"]["base_parameters"]
    assert params == {"experiment": f"{root}/[dev {short}] exp", "user": short,
                      "run": "${resources.jobs.train.id}"}
    assert job["tasks"][0]["notebook_task"]["notebook_path"] == f"{root}/files/training/Train"
    assert bundle.local_path(job["tasks"][0]["notebook_task"]["notebook_path"]) == \
        project / "training" / "Train.py"


def test_remote_target_without_credentials_is_clean_of_errors(project: Path) -> None:
    bundle, diags = load_bundle(project, target="staging", env={})
    assert bundle is not None and not diags.errors
    assert not diags.warnings
    assert [d.summary for d in diags] == [
        "workspace look-ups were skipped: no credentials for https://dbc-5e1f0c2a-7b3d.cloud.databricks.com"]
    assert not diags.strict().has_errors()
    job = bundle.resources("jobs")["train"]
    assert job["name"] == "train-staging"
    assert job["tasks"][0]["notebook_task"]["base_parameters"]["user"] == \
        "${workspace.current_user.short_name}"


def test_target_from_environment_and_vars(project: Path) -> None:
    env = {"DATABRICKS_BUNDLE_TARGET": "staging", "BUNDLE_VAR_catalog": "from_env"}
    bundle, _ = load_bundle(project, env=env, current_user={"userName": "ci@example.com"})
    assert bundle.target == "staging"
    assert bundle.resources("jobs")["train"]["name"] == "train-from_env"
    assert bundle.config["workspace"]["current_user"]["short_name"] == "ci"
    bundle, _ = load_bundle(project, env=env, variables={"catalog": "from_var"},
                            current_user={"userName": "ci@example.com"})
    assert bundle.resources("jobs")["train"]["name"] == "train-from_var"


def test_errors_return_no_bundle(project: Path) -> None:
    bundle, diags = load_bundle(project, target="prod", env={})
    assert bundle is None
    assert diags.errors[0].summary == 'unknown target "prod"'


def test_strict_turns_warnings_into_errors(project: Path) -> None:
    bundle, diags = load_bundle(project, target="staging", env={}, strict=True)
    assert bundle is not None  # the skipped look-ups are only noted (info)
    root = project / "databricks.yml"
    root.write_text(root.read_text() + "presets:\n  name_prefx: x\n")
    bundle, diags = load_bundle(project, target="staging", env={}, strict=True)
    assert bundle is None and diags.has_errors() and not diags.warnings


def test_root_from_environment_and_cwd(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle, _ = load_bundle(env={"MLOPS_STACKS_BUNDLE_ROOT": str(project)})
    assert bundle.root == project.resolve()
    monkeypatch.chdir(project / "training")
    monkeypatch.delenv("MLOPS_STACKS_BUNDLE_ROOT", raising=False)
    bundle, _ = load_bundle()
    assert bundle.root == project.resolve()


def test_no_bundle_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_bundle(env={"MLOPS_STACKS_BUNDLE_ROOT": str(tmp_path)})


def test_summary(project: Path) -> None:
    bundle, _ = load_bundle(project, target="staging", env={},
                            current_user={"userName": "ci@example.com"})
    summary = bundle_summary(bundle)
    assert summary == {
        "name": "demo", "target": "staging", "mode": None,
        "host": "https://dbc-5e1f0c2a-7b3d.cloud.databricks.com", "user": "ci@example.com",
        "root": str(project.resolve()),
        "paths": {"root_path": "/Workspace/Shared/.bundle/demo/staging",
                  "file_path": "/Workspace/Shared/.bundle/demo/staging/files",
                  "state_path": "/Workspace/Shared/.bundle/demo/staging/state",
                  "artifact_path": "/Workspace/Shared/.bundle/demo/staging/artifacts"},
        "resources": {"experiments": 1, "jobs": 1},
    }


def test_locations_survive_the_pipeline(project: Path) -> None:
    bundle, _ = load_bundle(project, env={})
    name = bundle.tree.at("resources", "jobs", "train", "name")
    assert os.path.basename(name.loc.file) == "job.yml" and name.loc.line == 4
