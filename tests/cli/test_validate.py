"""``mlops-stacks validate`` and ``mlops-stacks schema`` run as a user would (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

BUNDLE = """\
bundle:
  name: demo
variables:
  api_token:
    default: s3cr3t-value
workspace:
  host: local
resources:
  experiments:
    experiment:
      name: ${workspace.root_path}/experiments/demo
  jobs:
    train:
      name: train
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: notebooks/Train.py
            base_parameters:
              password: hunter2
targets:
  local:
    default: true
    mode: development
    workspace:
      host: local
  staging:
    workspace:
      host: https://adb-1111111111111111.11.azuredatabricks.net
"""


def _cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("DATABRICKS_", "BUNDLE_VAR_", "GITHUB_ACTIONS"))}
    full_env.update(NO_COLOR="1", COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "mlops_stacks", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "databricks.yml").write_text(BUNDLE)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "Train.py").write_text("# Databricks notebook source\n")
    return tmp_path


def test_valid_bundle_prints_summary_and_ok(bundle: Path) -> None:
    result = _cli(bundle, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Name: demo" in out
    assert "Target: local" in out
    assert "Host: local" in out
    assert "/.bundle/demo/local" in out
    assert "Jobs (1): train" in out
    assert "Experiments (1): experiment" in out
    assert out.rstrip().endswith("Validation OK!")


def test_warnings_pass_but_fail_under_strict(bundle: Path) -> None:
    text = BUNDLE.replace("      name: train\n", "      name: train\n      nmae: typo\n")
    (bundle / "databricks.yml").write_text(text)
    result = _cli(bundle, "validate")
    assert result.returncode == 0
    assert 'Warning: unknown field "nmae"' in result.stdout
    assert "  at resources.jobs.train.nmae" in result.stdout
    assert "  in databricks.yml:15:7" in result.stdout
    assert 'Did you mean "name"?' in result.stdout
    assert result.stdout.rstrip().endswith("Found 1 warning")

    strict = _cli(bundle, "validate", "--strict")
    assert strict.returncode == 1
    assert 'Error: unknown field "nmae"' in strict.stdout
    assert strict.stdout.rstrip().endswith("Found 1 error")


def test_errors_exit_1_with_location_and_no_traceback(bundle: Path) -> None:
    text = BUNDLE.replace("task_key: Train", "task_key: Train\n          run_if: sometimes")
    (bundle / "databricks.yml").write_text(text)
    result = _cli(bundle, "validate")
    assert result.returncode == 0  # a warning, as in the Databricks CLI
    assert 'Warning: invalid value "sometimes" for run_if' in result.stdout
    result = _cli(bundle, "validate", "--strict")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert 'Error: invalid value "sometimes" for run_if' in result.stdout
    assert "in databricks.yml:17:19" in result.stdout
    assert "Found 1 error" in result.stdout


def test_json_output_is_the_resolved_config_with_secrets_redacted(bundle: Path) -> None:
    result = _cli(bundle, "validate", "-o", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["bundle"]["name"] == "demo"
    assert data["diagnostics"] == []
    task = data["resources"]["jobs"]["train"]["tasks"][0]
    assert task["notebook_task"]["base_parameters"]["password"] == "***"
    assert data["variables"]["api_token"]["default"] == "***"
    assert "s3cr3t-value" not in result.stdout
    assert "hunter2" not in result.stdout
    # References were resolved: the experiment lives under the target's root path.
    assert data["resources"]["experiments"]["experiment"]["name"].startswith("/Workspace/")


def test_json_output_carries_diagnostics_on_errors(bundle: Path) -> None:
    (bundle / "databricks.yml").write_text(BUNDLE.replace("name: demo", "name: [demo"))
    result = _cli(bundle, "validate", "--output", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    [diag] = data["diagnostics"]
    assert diag["severity"] == "error"
    assert diag["locations"][0]["file"] == "databricks.yml"
    assert diag["locations"][0]["line"] >= 2


def test_github_annotations(bundle: Path) -> None:
    text = BUNDLE.replace("      name: train\n", "      name: train\n      max_retries: 2\n")
    (bundle / "databricks.yml").write_text(text)
    result = _cli(bundle, "validate", GITHUB_ACTIONS="true")
    assert result.returncode == 0
    assert ("::warning file=databricks.yml,line=15,col=7::unknown field \"max_retries\""
            in result.stdout)
    plain = _cli(bundle, "validate")
    assert "::warning" not in plain.stdout


def test_target_and_var_options(bundle: Path) -> None:
    text = BUNDLE.replace("      name: train\n", "      name: train-${var.suffix}\n").replace(
        "variables:\n", "variables:\n  suffix:\n    default: x\n")
    (bundle / "databricks.yml").write_text(text)
    result = _cli(bundle, "validate", "-t", "staging", "--var", "suffix=nightly", "-o", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["bundle"]["target"] == "staging"
    assert data["resources"]["jobs"]["train"]["name"].endswith("train-nightly")

    bad = _cli(bundle, "validate", "--var", "suffix")
    assert bad.returncode == 2
    assert "--var expects key=value" in bad.stderr


def test_outside_a_bundle_is_a_clear_error(tmp_path: Path) -> None:
    result = _cli(tmp_path, "validate")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "databricks.yml" in result.stderr


def test_schema_command_prints_a_usable_schema(bundle: Path) -> None:
    result = _cli(bundle, "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft7Validator.check_schema(schema)
    import yaml

    validator = jsonschema.Draft7Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(BUNDLE))) == []
    broken = yaml.safe_load(BUNDLE.replace("mode: development", "mode: dev"))
    assert list(validator.iter_errors(broken))


def test_help_texts_teach(bundle: Path) -> None:
    schema_help = _cli(bundle, "schema", "--help").stdout
    assert "yaml-language-server: $schema=" in schema_help
    validate_help = _cli(bundle, "validate", "--help").stdout
    assert "mlops-stacks validate -t staging --strict" in validate_help
    assert "--strict" in validate_help and "--var" in validate_help


# Workspace URLs of the shape users give (the example hosts are warned about).
REAL_HOSTS = {
    "staging_workspace_host": "https://adb-4096012345678901.7.azuredatabricks.net",
    "prod_workspace_host": "https://adb-4096012345678902.8.azuredatabricks.net",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "answers",
    [
        {"project_name": "churn-model"},
        {"project_name": "fraud_model", "setup": "project_only", "cloud": "aws",
         "compute": "classic", "include_feature_store": True},
        {"project_name": "demand", "cloud": "gcp", "cicd_platform": "gitlab",
         "include_monitoring": False},
    ],
    ids=["defaults", "aws-classic-features", "gcp-gitlab-no-monitoring"],
)
def test_generated_projects_validate_clean_for_every_target(
    tmp_path: Path, render: object, answers: dict[str, object]
) -> None:
    render(tmp_path / "repo", **answers, **REAL_HOSTS)  # type: ignore[operator]
    package = str(answers["project_name"]).lower().replace("-", "_")
    root = tmp_path / "repo" / package
    assert (root / "databricks.yml").is_file()
    for target in ("local", "dev", "staging", "prod", "test"):
        result = _cli(root, "validate", "-t", target, "-o", "json")
        assert result.returncode == 0, f"{target}: {result.stdout}{result.stderr}"
        diags = json.loads(result.stdout)["diagnostics"]
        # Without credentials, remote targets only note that workspace look-ups were skipped.
        unexpected = [d for d in diags if "look-ups were skipped" not in d["summary"]]
        assert unexpected == [], f"{target}: {textwrap.shorten(str(unexpected), 2000)}"
        assert all(d["severity"] == "info" for d in diags), diags
    # The CI example of `validate --help`: strict, no credentials.
    strict = _cli(root, "validate", "-t", "staging", "--strict")
    assert strict.returncode == 0, strict.stdout + strict.stderr


@pytest.mark.slow
def test_strict_validate_fails_on_the_example_hosts_with_the_fix(tmp_path: Path) -> None:
    init = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "init", "--defaults", "--no-git",
         "--data", "project_name=churn", str(tmp_path / "churn")],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=600)
    assert init.returncode == 0, init.stdout + init.stderr
    root = tmp_path / "churn" / "churn"
    for target, answer in (("staging", "staging_workspace_host"),
                           ("prod", "prod_workspace_host")):
        result = _cli(root, "validate", "-t", target, "--strict")
        assert result.returncode == 1, result.stdout + result.stderr
        line = _line_of(root / "databricks.yml", f"  {target}:", "host:")
        assert f'workspace.host of target "{target}" is a placeholder' in result.stdout
        assert f"in databricks.yml:{line}:" in result.stdout
        assert f"--data {answer}=https://" in result.stdout
    # Without --strict it is a warning: local work goes on.
    assert _cli(root, "validate", "-t", "staging").returncode == 0
    assert _cli(root, "validate").returncode == 0


def _line_of(path: Path, section: str, key: str) -> int:
    """1-based line of the first ``key`` after the line ``section``."""
    lines = path.read_text().splitlines()
    start = lines.index(section)
    return next(i for i, text in enumerate(lines[start:], start + 1) if key in text)
