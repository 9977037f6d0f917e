"""Drift read in bulk: a no-op redeploy and ``plan`` read many jobs with the Jobs list
(100 a page, task settings expanded), and still find a job deleted in the UI."""

from __future__ import annotations

from pathlib import Path

import requests

from mlops_stacks.bundle import load_bundle
from mlops_stacks.deploy import preview
from mlops_stacks.workspace import open_workspace
from mlops_stacks.workspace.databricks import current_user
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_kinds import deploy_now, write_project
from tests.databricks.test_rate_limit import jobs_yaml

JOBS = 130  # two pages of the Jobs list


def _gets(server: FakeDatabricks, mark: int, path: str) -> list[dict[str, str]]:
    return [r.query for r in server.requests[mark:] if r.method == "GET" and r.path == path]


def test_plan_reads_jobs_in_pages_and_finds_one_deleted_in_the_ui(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    root = write_project(tmp_path / "bulk", db_env.url, jobs_yaml(JOBS))
    deploy_now(root, db_env)
    gone = next(j for j in db_env.state.jobs.values() if j["settings"]["name"] == "storm-job-7")
    del db_env.state.jobs[gone["job_id"]]  # deleted in the UI

    mark = db_env.mark()
    bundle, _ = load_bundle(root, target="staging", current_user=current_user(db_env.url))
    assert bundle is not None
    plan, _, _ = preview(bundle, open_workspace(bundle))
    assert [a.address for a in plan.of("create")] == ["jobs.job_7"]
    assert plan.counts["unchanged"] == JOBS - 1
    assert any("jobs.job_7" in w and "deleted outside mlops-stacks" in w for w in plan.warnings)
    assert not _gets(db_env, mark, "/api/2.2/jobs/get")  # no read job by job
    pages = _gets(db_env, mark, "/api/2.2/jobs/list")
    assert len(pages) == 2
    assert all(q["limit"] == "100" and q["expand_tasks"] == "true" for q in pages)

    result, _ = deploy_now(root, db_env)
    assert result.done["create"] == ["jobs.job_7"] and result.count("unchanged") == JOBS - 1
    assert len(db_env.state.jobs) == JOBS


def test_the_jobs_list_pages_as_the_api_does(db_env: FakeDatabricks) -> None:
    for i in range(3):
        db_env.state.jobs[i + 1] = {"job_id": i + 1, "settings": {
            "name": f"j{i}", "tasks": [{"task_key": "t"}]}}
    auth = {"Authorization": f"Bearer {db_env.token}"}

    def page(**query: str) -> requests.Response:
        return requests.get(f"{db_env.url}/api/2.2/jobs/list", params=query, headers=auth,
                            timeout=10)

    first = page(limit="2").json()
    assert [j["job_id"] for j in first["jobs"]] == [3, 2]  # newest first
    assert first["has_more"] and "tasks" not in first["jobs"][0]["settings"]
    second = page(limit="2", page_token=first["next_page_token"], expand_tasks="true").json()
    assert [j["job_id"] for j in second["jobs"]] == [1] and not second["has_more"]
    assert second["jobs"][0]["settings"]["tasks"] == [{"task_key": "t"}]
    assert page(limit="101").status_code == 400

