"""SIGKILL of a concurrent deploy to the fake workspace at several points, then a redeploy:
it converges, with every job exactly once and nothing left over."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_kinds import write_project
from tests.databricks.test_rate_limit import jobs_yaml
from tests.deploy.bundle_project import cli, start_cli, wait_for_line

JOBS = 12
DEPLOY = ("deploy", "-t", "staging", "--auto-approve")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["0", "3:unsaved", "7"])
def test_killed_concurrent_deploy_converges(
    tmp_path: Path, db_env: FakeDatabricks, point: str
) -> None:
    db_env.latency = 0.02  # requests overlap: several changes are in flight at the kill
    project = write_project(tmp_path / "kill", db_env.url, jobs_yaml(JOBS))
    (project / "src").mkdir()
    for i in range(20):
        (project / "src" / f"m{i}.py").write_text(f"X = {i}\n")
    proc = start_cli(project, *DEPLOY, env={"MLOPS_STACKS_TEST_PAUSE_AFTER": point,
                                            "MLOPS_STACKS_PARALLELISM": "4"})
    try:
        wait_for_line(proc, f"paused at {point}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    again = cli(project, *DEPLOY, "--force-lock", check=True)
    assert "Deployment complete" in again.stdout
    names = sorted(j["settings"]["name"] for j in db_env.state.jobs.values())
    assert names == sorted(f"storm-job-{i}" for i in range(JOBS))  # no duplicates

    plan = json.loads(cli(project, "plan", "-t", "staging", "-o", "json", check=True).stdout)
    assert plan["summary"] == {"add": 0, "change": 0, "delete": 0, "unchanged": JOBS}
    root = next(p for p in db_env.state.objects if p.endswith("/.bundle/kinds/staging"))
    state_doc = db_env.state.objects[f"{root}/state/deployment-state.json"].content
    state = json.loads(state_doc)
    assert {r["id"] for r in state["resources"]["jobs"].values()} == {
        str(i) for i in db_env.state.jobs}
    synced = {p[len(root) + len("/files/"):] for p in db_env.paths_under(root + "/files")
              if db_env.state.objects[p].object_type != "DIRECTORY"}
    assert synced == set(state["files"]) and len(synced) > 20  # every file, nothing else
