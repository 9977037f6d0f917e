"""The ML project a default render produces: complete, rendered, valid bundle, small data.

The bundle files must pass the official Databricks bundle schema (the test
oracle in ../shared, skipped when absent) and mlops-stacks' own validator.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ORACLE

PKG = "my_mlops_project"
# Databricks dynamic value references ({{job.id}}, {{tasks.X.values.y}}) are legitimate
# double braces in bundle files; anything else with Jinja syntax was left unrendered.
DYNAMIC_REFERENCE = re.compile(r"\{\{(job|tasks|task|parameters|backfill)\.[\w.]+\}\}")
JINJA_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")

NOTEBOOKS = {
    "training/notebooks/Train.py",
    "validation/notebooks/ModelValidation.py",
    "deployment/notebooks/ModelDeployment.py",
    "batch_inference/notebooks/BatchInference.py",
    "monitoring/notebooks/MonitoredMetricViolationCheck.py",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    from tests.conftest import render_template

    out = render_template(tmp_path_factory.mktemp("default") / "repo")
    return out / PKG


def _text_files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yml", ".yaml", ".md", ".txt", ".ini", ""}:
            yield path


def test_project_has_the_contract_layout(project):
    expected = {
        "databricks.yml",
        "README.md",
        "requirements.txt",
        "test-requirements.txt",
        "pytest.ini",
        "data/taxi_trips.csv",
        "resources/model-workflow-resource.yml",
        "resources/batch-inference-workflow-resource.yml",
        "resources/ml-artifacts-resource.yml",
        "resources/monitoring-resource.yml",
        *NOTEBOOKS,
    }
    for stage in ("training", "validation", "deployment", "batch_inference", "monitoring"):
        expected.add(f"{stage}/__init__.py")
    missing = sorted(p for p in expected if not (project / p).is_file())
    assert not missing
    assert not (project / "feature_engineering").exists()
    assert not (project / "resources/feature-engineering-workflow-resource.yml").exists()


def test_no_template_syntax_left(project):
    leftovers = []
    for path in _text_files(project):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if JINJA_LEFTOVER.search(DYNAMIC_REFERENCE.sub("", line)):
                leftovers.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    assert not leftovers
    assert not [p for p in project.rglob("*") if "{" in p.name or p.suffix == ".jinja"]


def test_yaml_parses_and_names_follow_the_answers(project):
    config = yaml.safe_load((project / "databricks.yml").read_text())
    assert config["bundle"]["name"] == PKG
    assert config["include"] == ["resources/*.yml"]
    targets = config["targets"]
    assert list(targets) == ["local", "dev", "staging", "prod", "test"]
    local = {
        "default": True,
        "mode": "development",
        "workspace": {"host": "local"},
        "variables": {"catalog_name": "local"},
    }
    assert targets["local"] == local
    assert targets["dev"]["mode"] == "development"
    assert targets["prod"]["mode"] == "production"
    assert targets["prod"]["workspace"]["host"].startswith("https://adb-2222")
    for name in ("staging", "prod", "test"):
        root_path = targets[name]["workspace"]["root_path"]
        assert "current_user" not in root_path
    assert targets["prod"]["variables"]["catalog_name"] == "prod"
    assert targets["test"]["variables"]["catalog_name"] == "test"
    for name in ("experiment_name", "model_name", "catalog_name", "schema_name", "read_user_group"):
        assert config["variables"][name]["description"]
    for resource in (project / "resources").glob("*.yml"):
        assert "resources" in yaml.safe_load(resource.read_text())


def test_training_job_wiring(project):
    jobs = yaml.safe_load((project / "resources/model-workflow-resource.yml").read_text())
    job = jobs["resources"]["jobs"]["model_training_job"]
    tasks = {t["task_key"]: t for t in job["tasks"]}
    assert list(tasks) == ["Train", "ModelValidation", "ModelDeployment"]
    assert tasks["ModelValidation"]["depends_on"] == [{"task_key": "Train"}]
    assert tasks["ModelDeployment"]["depends_on"] == [{"task_key": "ModelValidation"}]
    for task in tasks.values():
        notebook = task["notebook_task"]["notebook_path"]
        assert (project / "resources" / notebook).resolve().is_file()
    params = {p["name"]: p["default"] for p in job["parameters"]}
    assert params["training_data_path"] == "data/taxi_trips.csv"
    assert (project / params["training_data_path"]).is_file()
    assert params["validation_mode"] == "enabled"
    assert {"n_estimators", "max_depth", "learning_rate", "experiment_name"} <= set(params)
    assert "${resources.registered_models.model.name}" in params["model_name"]
    assert job["schedule"]["quartz_cron_expression"].count(" ") == 5
    artifacts = yaml.safe_load((project / "resources/ml-artifacts-resource.yml").read_text())
    model = artifacts["resources"]["registered_models"]["model"]
    assert model["catalog_name"] == "${var.catalog_name}"
    assert model["grants"] == [{"privileges": ["EXECUTE"], "principal": "${var.read_user_group}"}]


def test_monitoring_triggers_retraining(project):
    jobs = yaml.safe_load((project / "resources/monitoring-resource.yml").read_text())
    tasks = {t["task_key"]: t for t in jobs["resources"]["jobs"]["monitoring_job"]["tasks"]}
    condition = tasks["is_metric_violated"]["condition_task"]
    assert condition["left"] == (
        "{{tasks.MonitoredMetricViolationCheck.values.is_metric_violated}}"
    )
    assert (condition["op"], condition["right"]) == ("EQUAL_TO", "true")
    trigger = tasks["trigger_retraining"]
    assert trigger["depends_on"] == [{"task_key": "is_metric_violated", "outcome": "true"}]
    assert trigger["run_job_task"]["job_id"] == "${var.retrainingJobId}"
    assert jobs["variables"]["retrainingJobId"]["default"] == (
        "${resources.jobs.model_training_job.id}"
    )


def test_data_is_small_and_python_is_valid(project):
    data = project / "data/taxi_trips.csv"
    assert data.stat().st_size <= 1_000_000
    lines = data.read_text().splitlines()
    assert lines[0].endswith(",fare_amount") and 1000 <= len(lines) - 1 <= 10_000
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))
    for notebook in NOTEBOOKS:
        text = (project / notebook).read_text()
        assert text.startswith("# Databricks notebook source\n")
        assert "# COMMAND ----------" in text
        assert 'sys.path.insert(0, os.path.abspath(os.path.join(os.getcwd(), "..", "..")))' in text
        assert "databricks.sdk.runtime" not in text


def oracle_problems(bundle_root: Path) -> list[str]:
    """Failures of the official schema oracle (``check_bundle.py``) on ``bundle_root``."""
    if not ORACLE.is_file():
        pytest.skip("official bundle schema oracle (../shared/oracle) not available")
    done = subprocess.run(
        [sys.executable, str(ORACLE), str(bundle_root)], capture_output=True, text=True
    )
    if done.returncode == 0:
        return []
    return [line for line in done.stdout.splitlines() if ": at " in line] or [
        done.stdout + done.stderr
    ]


def own_validator_problems(bundle_root: Path) -> list[str]:
    from mlops_stacks.bundle import load_bundle

    problems = []
    for target in ("local", "dev", "staging", "prod", "test"):
        bundle, diags = load_bundle(bundle_root, target=target, env={})
        errors = [d for d in diags if d.severity.name.lower() == "error"]
        if bundle is None or errors:
            problems.append(f"{target}: {[getattr(d, 'summary', d) for d in errors]}")
    return problems


def test_bundle_passes_the_official_schema(project):
    assert oracle_problems(project) == []


def test_bundle_passes_our_validator_for_every_target(project):
    assert own_validator_problems(project) == []
