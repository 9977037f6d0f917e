"""``cicd check``: one line per gap with its fix, before setup; nothing after it."""

from __future__ import annotations

import json

from tests.cicd.conftest import Harness


def gap_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("staging:", "prod:"))]


def test_fresh_project_fails_with_one_line_per_gap_then_passes_after_setup(
    harness: Harness,
) -> None:
    harness.log_in("gh")
    out = harness.cli("cicd", "check", code=1)
    lines = gap_lines(out)
    assert len(lines) == 4, out
    staging_host, staging_secret, prod_host, prod_secret = lines
    assert "targets.staging.workspace.host" in staging_host
    assert "is the example host mlops-stacks init writes" in staging_host
    assert "Fix: set it to the URL of your staging workspace." in staging_host
    assert "STAGING_DATABRICKS_TOKEN is not in GitHub repository secrets" in staging_secret
    assert "Fix: run `mlops-stacks cicd setup --apply`" in staging_secret
    assert "targets.prod.workspace.host" in prod_host
    assert "PROD_DATABRICKS_TOKEN is not in GitHub environment prod" in prod_secret
    assert "4 gaps found." in out

    harness.point_hosts()  # the fix the first line gives
    out = harness.cli("cicd", "check", code=1)
    assert "there is no service principal demo-staging-deployer" in out
    assert len(gap_lines(out)) == 4  # two secrets, two principals

    harness.cli("cicd", "setup", "--apply")
    out = harness.cli("cicd", "check")
    assert gap_lines(out) == [] and "CI/CD is ready" in out
    out = harness.cli("cicd", "check", "-t", "prod", "-o", "json")
    assert json.JSONDecoder().raw_decode(out[out.index("{"):])[0] == {"ok": True, "gaps": []}


def test_principal_without_access_to_the_deploy_root_is_a_gap(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    harness.cli("cicd", "setup", "--apply")
    server = harness.server
    root = server.state.objects["/Shared/.bundle/demo/prod"].object_id
    server.dir_acls[str(root)] = []
    server.dir_acls[str(server.state.objects["/Shared"].object_id)] = []
    out = harness.cli("cicd", "check", "-t", "prod", code=1)
    (line,) = gap_lines(out)
    assert "demo-prod-deployer cannot read /Shared/.bundle/demo/prod" in line


def test_inside_ci_the_jobs_own_variables_and_credentials_are_checked(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    harness.cli("cicd", "setup", "--apply")
    token = harness.state()["github"]["repo"]["STAGING_DATABRICKS_TOKEN"]
    harness.log_in("gh", False)  # a runner has no gh login: the check must not need it
    ci = {"CI": "true", "GITHUB_ACTIONS": "true"}
    before = len(harness.calls("gh"))
    out = harness.cli("cicd", "check", "-t", "staging", env={**ci, "DATABRICKS_TOKEN": token})
    assert "CI/CD is ready" in out
    assert len(harness.calls("gh")) == before
    out = harness.cli("cicd", "check", "-t", "staging", env={**ci, "DATABRICKS_TOKEN": ""},
                      code=1)  # fmt: skip
    assert "DATABRICKS_TOKEN is empty in this job: the secret STAGING_DATABRICKS_TOKEN is not " \
           "set in GitHub repository secrets." in out
    out = harness.cli("cicd", "check", "-t", "staging",
                      env={**ci, "DATABRICKS_TOKEN": "dapi-revoked"}, code=1)
    assert "cannot be reached with the job credentials" in out
