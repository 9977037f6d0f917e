"""End-to-end: the real CLI deploying a bundle to the local workspace, real MLflow store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, store_names


def _counts(text: str, label: str) -> dict[str, int]:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"{label}:"))
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", line)}


@pytest.mark.slow
def test_redeploy_is_incremental(project: Path) -> None:
    first = cli(project, "deploy", check=True)
    assert _counts(first.stdout, "Resources") == {
        "created": 4, "changed": 0, "deleted": 0, "unchanged": 0}
    files = _counts(first.stdout, "Files")
    assert files["uploaded"] == 8 and files["deleted"] == 0  # debug.log is git-ignored
    ws = project / ".mlops-stacks" / "local"
    assert (ws / "files" / "training" / "notebooks" / "Train.py").is_file()
    assert not (ws / "files" / "debug.log").exists()
    assert not (ws / "files" / ".mlops-stacks").exists()
    assert not (ws / "deploy.lock").exists()
    exps, models = store_names(project)
    assert len(exps) == 1 and exps[0].endswith("/local-demo-experiment")
    assert models == ["main.ml.local-demo-model"]
    job = json.loads((ws / "jobs" / "train_job.json").read_text())
    assert job["settings"]["name"] == "local-demo-train"

    second = cli(project, "deploy", check=True)
    assert _counts(second.stdout, "Files") == {"uploaded": 0, "deleted": 0, "unchanged": 8}
    assert _counts(second.stdout, "Resources") == {
        "created": 0, "changed": 0, "deleted": 0, "unchanged": 4}

    plan = cli(project, "plan", check=True)
    assert "Plan: 0 to add, 0 to change, 0 to delete, 4 unchanged" in plan.stdout

    (project / "training" / "notebooks" / "Train.py").write_text("print('changed')\n")
    third = cli(project, "deploy", check=True)
    assert _counts(third.stdout, "Files") == {"uploaded": 1, "deleted": 0, "unchanged": 7}
    assert _counts(third.stdout, "Resources")["changed"] == 0
    synced = ws / "files" / "training" / "notebooks" / "Train.py"
    assert synced.read_text() == "print('changed')\n"

    (project / "data" / "sample.csv").unlink()
    fourth = cli(project, "deploy", check=True)
    assert _counts(fourth.stdout, "Files") == {"uploaded": 0, "deleted": 1, "unchanged": 7}
    assert not (ws / "files" / "data").exists()


def test_changes_and_removals(jobs_project: Path) -> None:
    project = jobs_project
    cli(project, "deploy", check=True)
    jobs_yml = project / "resources" / "jobs-resource.yml"
    text = jobs_yml.read_text()
    jobs_yml.write_text(text.replace("env: ${bundle.target}", "env: changed"))
    plan = cli(project, "plan", check=True)
    assert "~ update    jobs.train_job" in plan.stdout
    assert 'tasks[Train].notebook_task.base_parameters.env: "local" -> "changed"' in plan.stdout
    assert "Plan: 0 to add, 1 to change, 0 to delete, 1 unchanged" in plan.stdout

    as_json = json.loads(cli(project, "plan", "-o", "json", check=True).stdout)
    update = next(a for a in as_json["actions"] if a["action"] == "update")
    assert update["changes"] == [{"path": "tasks[Train].notebook_task.base_parameters.env",
                                  "op": "change", "old": "local", "new": "changed"}]
    assert as_json["summary"] == {"add": 0, "change": 1, "delete": 0, "unchanged": 1}

    # Removing a job deletes it (jobs hold no data: no confirmation needed).
    jobs_yml.write_text(text.split("    score_job:")[0])
    out = cli(project, "deploy", check=True).stdout
    assert _counts(out, "Resources") == {"created": 0, "changed": 0, "deleted": 1,
                                         "unchanged": 1}
    ws = project / ".mlops-stacks" / "local"
    assert sorted(p.name for p in (ws / "jobs").iterdir()) == ["train_job.json"]
    state = json.loads((ws / "state.json").read_text())
    assert sorted(state["resources"]["jobs"]) == ["train_job"]


@pytest.mark.slow
def test_deleting_data_needs_approval(project: Path) -> None:
    from mlflow import MlflowClient

    from tests.deploy.bundle_project import ML_ARTIFACTS_YML, cli_with_terminal

    cli(project, "deploy", check=True)
    artifacts = project / "resources" / "ml-artifacts-resource.yml"
    artifacts.write_text(ML_ARTIFACTS_YML.split("  registered_models:")[0])

    # No terminal and no --auto-approve: refused, listing what would be deleted.
    refused = cli(project, "deploy")
    assert refused.returncode == 1
    assert "registered_models.model (main.ml.local-demo-model" in refused.stderr
    assert "--auto-approve" in refused.stderr
    assert "Traceback" not in refused.stderr
    # On a terminal, the user is asked; "no" deletes nothing.
    code, out = cli_with_terminal(project, "deploy", answers={"Delete them?": "n"})
    assert code == 1 and "Not deleting" in out, out
    assert store_names(project)[1] == ["main.ml.local-demo-model"]
    code, out = cli_with_terminal(project, "deploy", answers={"Delete them?": "y"})
    assert code == 0, out
    assert "Resources: 0 created, 0 changed, 1 deleted" in out
    assert store_names(project)[1] == []

    artifacts.write_text("resources: {}\n")
    approved = cli(project, "deploy", "--auto-approve", check=True)
    assert _counts(approved.stdout, "Resources")["deleted"] == 1
    # The experiment is deleted for good (not left in MLflow's trash), with its runs.
    assert store_names(project) == ([], [])

    # Put them back: a new, empty experiment of the same name.
    artifacts.write_text(ML_ARTIFACTS_YML)
    cli(project, "deploy", check=True)
    exps2, models2 = store_names(project)
    assert [e.rsplit("/", 1)[1] for e in exps2] == ["local-demo-experiment"]
    assert models2 == ["main.ml.local-demo-model"]
    uri = f"sqlite:///{project / '.mlops-stacks/local/mlflow/mlflow.db'}"
    assert MlflowClient(tracking_uri=uri).get_experiment_by_name(exps2[0]).lifecycle_stage == (
        "active")


@pytest.mark.slow
def test_noop_redeploy_does_not_import_mlflow(project: Path) -> None:
    cli(project, "deploy", check=True)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlops_stacks", "deploy"], cwd=project,
        capture_output=True, text=True, check=True,
    )
    imported = {ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines()
                if ln.startswith("import time:")}
    assert "Files: 0 uploaded" in proc.stdout
    assert "mlops_stacks.deploy.apply" in imported
    assert "mlflow" not in imported


@pytest.mark.slow
def test_summary_lists_ids_and_how_to_open(project: Path) -> None:
    before = cli(project, "summary", check=True).stdout
    assert "not deployed" in before and "never" in before
    cli(project, "deploy", check=True)
    data = json.loads(cli(project, "summary", "-o", "json", check=True).stdout)
    state = json.loads((project / ".mlops-stacks/local/state.json").read_text())
    assert data["bundle"]["name"] == "demo" and data["bundle"]["target"] == "local"
    assert data["resources"]["jobs"]["train_job"]["id"] == state["resources"]["jobs"][
        "train_job"]["id"]
    assert data["resources"]["registered_models"]["model"]["id"] == "main.ml.local-demo-model"
    assert data["workspace"]["mlflow_ui"].startswith("mlflow ui --backend-store-uri sqlite:///")
    text = cli(project, "summary", check=True).stdout
    assert "mlops-stacks run train_job" in text
    assert "--default-artifact-root" in text


@pytest.mark.slow
def test_destroy(project: Path) -> None:
    cli(project, "deploy", check=True)
    refused = cli(project, "destroy")
    assert refused.returncode == 1
    assert "--auto-approve" in refused.stderr and "jobs.train_job" in refused.stderr
    assert (project / ".mlops-stacks/local/state.json").exists()

    done = cli(project, "destroy", "--auto-approve", check=True)
    assert "Resources: 4 deleted" in done.stdout
    ws = project / ".mlops-stacks" / "local"
    assert not (ws / "state.json").exists()
    assert not (ws / "files").exists()
    assert list((ws / "jobs").iterdir()) == []
    _exps, models = store_names(project)
    assert models == []
    again = cli(project, "destroy", "--auto-approve", check=True)
    assert "nothing to destroy" in again.stdout


def test_invalid_bundle_is_not_deployed(jobs_project: Path) -> None:
    project = jobs_project
    # An undeclared variable is an error (a mapping where a list belongs is only a warning,
    # as in the Databricks CLI).
    (project / "resources" / "jobs-resource.yml").write_text(
        "resources:\n  jobs:\n    bad:\n      name: ${var.nope}\n")
    proc = cli(project, "deploy")
    assert proc.returncode == 1
    assert "jobs-resource.yml:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (project / ".mlops-stacks" / "local" / "state.json").exists()


def test_corrupt_state_gives_a_fix(jobs_project: Path) -> None:
    project = jobs_project
    cli(project, "deploy", check=True)
    (project / ".mlops-stacks/local/state.json").write_text('{"resources": {"jobs": ')
    proc = cli(project, "deploy")
    assert proc.returncode == 1
    assert "state" in proc.stderr and "corrupt" in proc.stderr
    assert "delete it and run `mlops-stacks deploy` again" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (project / ".mlops-stacks/local/deploy.lock").exists()

