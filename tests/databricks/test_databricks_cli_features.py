"""`deploy --select`, saved plans (`plan -o json` + `deploy --plan`), `deployment bind/unbind`
and `generate job`, through the CLI against the fake workspace over real HTTP."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from tests.databricks.fake_server import FakeDatabricks, WsObject
from tests.databricks.test_databricks_deploy import RESOURCES_YML, job_by_name, make_project


@dataclass
class Out:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(db_env: FakeDatabricks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    project = make_project(tmp_path / "demo", db_env.url)
    monkeypatch.setenv("MLOPS_STACKS_BUNDLE_ROOT", str(project))
    monkeypatch.setenv("MLOPS_STACKS_NO_INPUT", "1")

    def run(*args: str) -> Out:
        terminal.reset()
        terminal.DEBUG = False
        res = CliRunner().invoke(app, list(args))
        terminal.reset()
        return Out(res.exit_code, res.stdout, res.stderr)

    run.project = project  # type: ignore[attr-defined]
    return run


def test_select_deploys_only_the_named_resource_and_what_it_references(
    cli, db_env: FakeDatabricks  # noqa: ANN001
) -> None:
    out = cli("deploy", "-t", "staging", "--auto-approve", "--select", "train_job")
    assert out.code == 0, out.stdout + out.stderr
    # train_job uses the experiment's name; the model and the score job stay out.
    assert [j["settings"]["name"] for j in db_env.state.jobs.values()] == ["staging-demo-train"]
    assert len(db_env.state.experiments) == 1 and not db_env.state.uc_models
    assert "2 created, 0 changed, 0 deleted, 0 unchanged" in out.stdout

    out = cli("deploy", "-t", "staging", "--auto-approve")
    assert "2 created, 0 changed, 0 deleted, 2 unchanged" in out.stdout
    # Selecting one resource never deletes the others.
    out = cli("deploy", "-t", "staging", "--auto-approve", "--select", "jobs.score_job")
    assert "0 created, 0 changed, 0 deleted, 1 unchanged" in out.stdout
    assert len(db_env.state.jobs) == 2

    out = cli("deploy", "-t", "staging", "--select", "nope")
    assert out.code == 2 and "no such resource" in out.stdout + out.stderr


def test_saved_plan_is_applied_exactly_or_refused_when_the_target_changed(
    cli, db_env: FakeDatabricks, tmp_path: Path  # noqa: ANN001
) -> None:
    out = cli("plan", "-t", "staging", "-o", "json")
    assert out.code == 0, out.stderr
    saved = tmp_path / "plan.json"
    saved.write_text(out.stdout)
    assert json.loads(out.stdout)["summary"]["add"] == 4

    out = cli("deploy", "-t", "staging", "--auto-approve", "--plan", str(saved))
    assert out.code == 0, out.stdout + out.stderr
    assert "4 created" in out.stdout
    # The same plan again: the target moved on (its state changed), so it is refused.
    mark = db_env.mark()
    out = cli("deploy", "-t", "staging", "--auto-approve", "--plan", str(saved))
    assert out.code == 1
    assert "changed since the plan was saved" in out.stdout + out.stderr
    assert [r.path for r in db_env.writes(mark)] == [
        "/api/2.0/workspace/import", "/api/2.0/workspace/delete"]  # the lock only  # fmt: skip

    # A fresh plan, then someone deletes a job in the UI: refused, nothing deployed.
    out = cli("plan", "-t", "staging", "-o", "json")
    saved.write_text(out.stdout)
    del db_env.state.jobs[job_by_name(db_env, "staging-demo-score")["job_id"]]
    out = cli("deploy", "-t", "staging", "--auto-approve", "--plan", str(saved))
    assert out.code == 1 and "changed since the plan was saved" in out.stdout + out.stderr
    assert len(db_env.state.jobs) == 1

    # A bundle edit after the plan is refused too.
    out = cli("plan", "-t", "staging", "-o", "json")
    saved.write_text(out.stdout)
    (cli.project / "resources" / "resources.yml").write_text(RESOURCES_YML.format(epochs=9))
    out = cli("deploy", "-t", "staging", "--auto-approve", "--plan", str(saved))
    assert out.code == 1 and "resources changed" in out.stdout + out.stderr


def test_bind_adopts_an_existing_job_and_unbind_releases_it(
    cli, db_env: FakeDatabricks  # noqa: ANN001
) -> None:
    existing = db_env.next_id()
    db_env.state.jobs[existing] = {"job_id": existing, "creator_user_name": db_env.user,
                                   "settings": {"name": "made in the UI"}}  # fmt: skip
    out = cli("deployment", "bind", "jobs.score_job", "424242", "-t", "staging")
    assert out.code == 1 and "no jobs with ID 424242" in out.stdout + out.stderr
    out = cli("deployment", "bind", "jobs.nope", str(existing), "-t", "staging")
    assert out.code == 2

    out = cli("deployment", "bind", "jobs.score_job", str(existing), "-t", "staging")
    assert out.code == 0, out.stdout + out.stderr
    out = cli("deploy", "-t", "staging", "--auto-approve")
    assert out.code == 0, out.stderr
    assert "3 created, 1 changed" in out.stdout
    assert db_env.state.jobs[existing]["settings"]["name"] == "staging-demo-score"
    assert len(db_env.state.jobs) == 2

    # Unbind, then remove it from the bundle: the deploy leaves the job alone.
    out = cli("deployment", "unbind", "jobs.score_job", "-t", "staging")
    assert out.code == 0, out.stderr
    resources = cli.project / "resources" / "resources.yml"
    text = resources.read_text()
    resources.write_text(text[: text.index("    score_job:")])
    out = cli("deploy", "-t", "staging", "--auto-approve")
    assert out.code == 0 and "0 deleted" in out.stdout, out.stdout + out.stderr
    assert existing in db_env.state.jobs  # released, not deleted
    out = cli("deployment", "unbind", "jobs.score_job", "-t", "staging")
    assert out.code == 2 and "nothing to unbind" in out.stdout + out.stderr


def test_generate_job_writes_yaml_and_notebooks_that_deploy(
    cli, db_env: FakeDatabricks  # noqa: ANN001
) -> None:
    db_env._ws_mkdirs(None, {}, {"path": "/Workspace/Shared/etl"})
    source = b"# Databricks notebook source\nprint('etl')\n"
    db_env.state.objects["/Workspace/Shared/etl/Ingest"] = WsObject(
        "NOTEBOOK", db_env.next_id(), source, "PYTHON")
    job_id = db_env.next_id()
    db_env.state.jobs[job_id] = {"job_id": job_id, "settings": {
        "name": "Nightly ETL", "edit_mode": "EDITABLE", "format": "MULTI_TASK",
        "tasks": [{"task_key": "ingest", "notebook_task": {
            "notebook_path": "/Workspace/Shared/etl/Ingest"}}]}}  # fmt: skip

    out = cli("generate", "job", "--existing-job-id", str(job_id), "-t", "staging")
    assert out.code == 0, out.stdout + out.stderr
    project = cli.project
    doc = yaml.safe_load((project / "resources" / "nightly_etl.job.yml").read_text())
    settings = doc["resources"]["jobs"]["nightly_etl"]
    assert settings["tasks"][0]["notebook_task"]["notebook_path"] == "../src/Ingest.py"
    assert "edit_mode" not in settings and "format" not in settings
    assert (project / "src" / "Ingest.py").read_bytes() == source
    assert f"deployment bind jobs.nightly_etl {job_id}" in out.stdout

    out = cli("generate", "job", "--existing-job-id", str(job_id), "-t", "staging")
    assert out.code == 2 and "Not overwriting" in out.stdout + out.stderr

    out = cli("deployment", "bind", "jobs.nightly_etl", str(job_id), "-t", "staging")
    assert out.code == 0, out.stdout + out.stderr
    out = cli("deploy", "-t", "staging", "--auto-approve")
    assert out.code == 0, out.stdout + out.stderr
    task = db_env.state.jobs[job_id]["settings"]["tasks"][0]
    assert task["notebook_task"]["notebook_path"].endswith("/files/src/Ingest")
    assert base64.b64encode(source)  # the synced notebook is the exported one:
    synced = db_env.state.objects[task["notebook_task"]["notebook_path"]]
    assert synced.content == source

    out = cli("generate", "job", "--existing-job-id", "999999", "-t", "staging")
    assert out.code == 1 and "There is no job 999999" in out.stdout + out.stderr
