"""Deploying a freshly generated project (built-in template, defaults) to the local target."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, store_names


def _render(dest: Path) -> Path:
    from copier import run_copy

    from mlops_stacks.templates import builtin_template

    run_copy(str(builtin_template()), str(dest), data={"project_name": "gen-project"},
             defaults=True, quiet=True, overwrite=True)
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    roots = sorted(dest.glob("*/databricks.yml"))
    if not roots:
        pytest.skip("the template renders no bundle")
    return roots[0].parent


@pytest.mark.slow
def test_generated_project_deploys_and_redeploys_as_a_no_op(tmp_path: Path) -> None:
    root = _render(tmp_path / "repo")
    planned = json.loads(cli(root, "plan", "-o", "json", check=True).stdout)
    to_add = planned["summary"]["add"]
    kinds = {a["kind"] for a in planned["actions"]}
    assert {"jobs", "experiments", "registered_models"} <= kinds

    first = cli(root, "deploy", check=True)
    assert f"Resources: {to_add} created, 0 changed, 0 deleted, 0 unchanged" in first.stdout
    second = cli(root, "deploy", check=True)
    assert "Files: 0 uploaded, 0 deleted" in second.stdout
    assert f"Resources: 0 created, 0 changed, 0 deleted, {to_add} unchanged" in second.stdout

    exps, models = store_names(root)
    assert len(exps) == 1 and len(models) == 1
    summary = json.loads(cli(root, "summary", "-o", "json", check=True).stdout)
    assert summary["resources"]["jobs"]["model_training_job"]["deployed"]
    # Every notebook a deployed job refers to resolves to a synced file.
    from mlops_stacks.workspace.local import LocalWorkspace

    ws = LocalWorkspace(root, "local", root_path=summary["workspace"]["root_path"],
                        file_path=summary["workspace"]["file_path"])
    for job in (root / ".mlops-stacks/local/jobs").glob("*.json"):
        for task in json.loads(job.read_text())["settings"]["tasks"]:
            if "notebook_task" in task:
                assert ws.local_path(task["notebook_task"]["notebook_path"]).is_file()
