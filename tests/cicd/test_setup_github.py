"""``cicd setup`` for GitHub Actions on AWS, against the fake workspace and the ``gh`` stand-in."""

from __future__ import annotations

import json

from tests.cicd.conftest import Harness

STAGING, PROD = "demo-staging-deployer", "demo-prod-deployer"


def principals(harness: Harness) -> dict[str, str]:
    return {sp["displayName"]: sp["applicationId"]
            for sp in harness.server.service_principals.values()}  # fmt: skip


def test_dry_run_changes_nothing_and_says_what_it_would_do(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    out = harness.cli("cicd", "setup")
    assert harness.server.writes() == []
    assert harness.calls("gh", "secret", "set") == [] and harness.calls("gh", "api") == []
    assert "staging (" in out and "would change:" in out
    for change in (f"create service principal {STAGING}", "grant CAN_MANAGE on "
                   "/Shared/.bundle/demo/staging", "grant USE_CATALOG on catalog staging",
                   "create schema staging.demo", "grant USE_SCHEMA, CREATE_MODEL on schema "
                   "test.demo", "store STAGING_DATABRICKS_TOKEN in GitHub repository secrets",
                   "store PROD_DATABRICKS_TOKEN in GitHub environment prod"):  # fmt: skip
        assert change in out, out
    assert "Dry run: nothing was changed" in out


def test_apply_creates_once_and_a_second_run_changes_nothing(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    harness.cli("cicd", "setup", "--apply")
    server, sps = harness.server, principals(harness)
    assert set(sps) == {STAGING, PROD}
    stg, prd = sps[STAGING], sps[PROD]
    # What the deploys need, granted to the right principal.
    assert server.state.grants[("catalog", "staging")][stg] == {"USE_CATALOG"}
    assert server.state.grants[("catalog", "test")][stg] == {"USE_CATALOG"}
    assert server.state.grants[("schema", "prod.demo")][prd] == {"USE_SCHEMA", "CREATE_MODEL"}
    assert prd not in server.state.grants[("catalog", "staging")]
    root = server.state.objects["/Shared/.bundle/demo/prod"].object_id
    assert server.dir_acls[str(root)] == [
        {"service_principal_name": prd, "permission_level": "CAN_MANAGE"}]
    # Secrets: a token of each principal, where the pipelines read it from.
    github = harness.state()["github"]
    assert set(github["repo"]) == {"STAGING_DATABRICKS_TOKEN"}
    assert set(github["environments"]["prod"]) == {"PROD_DATABRICKS_TOKEN"}
    tokens = server.obo_tokens
    assert tokens[github["repo"]["STAGING_DATABRICKS_TOKEN"]]["application_id"] == stg
    assert tokens[github["environments"]["prod"]["PROD_DATABRICKS_TOKEN"]]["application_id"] == prd
    assert len(tokens) == 2

    mark, calls = server.mark(), len(harness.state()["calls"])
    out = harness.cli("cicd", "setup", "--apply", "-o", "json")
    assert server.writes(since=mark) == []
    new_calls = harness.state()["calls"][calls:]
    assert [c for c in new_calls if c[1:3] == ["secret", "set"] or c[1] == "api"] == []
    report = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    assert report["applied"] is True
    assert all(e["changes"] == [] and e["notes"] == [] for e in report["environments"])
    assert {s["state"] for e in report["environments"] for s in e["secrets"]} == {"present"}
    assert len(server.obo_tokens) == 2 and principals(harness) == sps


def test_no_secret_value_in_any_output_argument_or_file(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    harness.cli("cicd", "setup", "--apply")
    harness.cli("cicd", "setup", "--apply", "-o", "json")
    harness.cli("cicd", "check")
    values = list(harness.server.obo_tokens)
    assert len(values) == 2
    texts = list(harness.outputs)
    texts += [" ".join(call) for call in harness.state()["calls"]]
    for path in harness.root.parent.rglob("*"):
        if path.is_file() and path != harness.state_file:  # the stand-in is GitHub's storage
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    for value in values:
        assert not [t for t in texts if value in t]


def test_logged_out_or_missing_gh_gives_instructions_instead(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh", False)
    out = harness.cli("cicd", "setup", "--apply")
    assert "gh is not logged in to GitHub (run `gh auth login`)" in out
    assert "gh secret set PROD_DATABRICKS_TOKEN --env prod" in out
    assert "Settings > Environments > prod > Add environment secret PROD_DATABRICKS_TOKEN" in out
    assert "left to do by hand" in out
    assert harness.server.obo_tokens == {}  # no token made that nobody could store
    assert set(principals(harness)) == {STAGING, PROD}  # the rest was done
    assert harness.calls("gh", "secret") == []

    harness.log_in("gh")
    state = harness.state()
    state["gh_no_repo"] = True
    harness.state_file.write_text(json.dumps(state))
    out = harness.cli("cicd", "setup")
    assert "(gh finds no GitHub repository here (push it to GitHub and add the remote" in out

    harness.monkeypatch.setenv("PATH", str(harness.root))  # no gh anywhere
    out = harness.cli("cicd", "setup")
    assert "(gh is not installed)" in out and "gh secret set STAGING_DATABRICKS_TOKEN`" in out


def test_placeholder_hosts_are_named_and_no_workspace_is_contacted(harness: Harness) -> None:
    harness.log_in("gh")
    out = harness.cli("cicd", "setup", "--apply")
    for target in ("staging", "test", "prod"):
        assert (f"demo/databricks.yml (targets.{target}.workspace.host) is the example host "
                f"mlops-stacks init writes when no host is given: set it to the {target} "
                "workspace URL") in out
    assert harness.server.requests == [] and harness.calls("gh", "secret", "set") == []
    assert "3 steps are left to do by hand" in out


def test_each_environment_may_sign_in_with_its_own_profile(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    config = harness.root.parent / "databrickscfg"
    config.write_text(f"[stg]\nhost = {harness.server.url}\ntoken = {harness.server.token}\n\n"
                      f"[stale]\nhost = {harness.server.url}\ntoken = dapi-revoked\n")
    harness.monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(config))
    harness.monkeypatch.delenv("DATABRICKS_TOKEN")
    out = harness.cli("cicd", "setup", "-p", "staging=stg", "-p", "prod=stale", code=1)
    assert "rejected the credentials (401)" in out and "profile 'stale'" in out
    out = harness.cli("cicd", "setup", "-p", "stg")
    assert "Dry run" in out


def test_an_older_gh_without_json_output_is_read_too(harness: Harness) -> None:
    harness.point_hosts()
    harness.log_in("gh")
    state = harness.state()
    state["gh_before_json"] = True
    state["github"] = {"repo": {"STAGING_DATABRICKS_TOKEN": "set-before"}, "environments": {}}
    harness.state_file.write_text(json.dumps(state))
    out = harness.cli("cicd", "check", "-t", "staging", code=1)
    assert "STAGING_DATABRICKS_TOKEN" not in out and "no service principal" in out


def test_pipelines_that_read_oauth_m2m_credentials_get_an_oauth_secret(harness: Harness) -> None:
    """Secret names and kinds come from the pipeline files: map OAuth M2M variables instead
    of a token, and setup stores the principal's application ID and an OAuth secret."""
    workflows = harness.root / ".github" / "workflows"
    oauth = ("DATABRICKS_CLIENT_ID: ${{ secrets.STAGING_DATABRICKS_CLIENT_ID }}\n"
             "      DATABRICKS_CLIENT_SECRET: ${{ secrets.STAGING_DATABRICKS_CLIENT_SECRET }}")
    for name in ("demo-bundle-cd-staging.yml", "demo-run-tests.yml"):
        path = workflows / name
        path.write_text(path.read_text().replace(
            "DATABRICKS_TOKEN: ${{ secrets.STAGING_DATABRICKS_TOKEN }}", oauth))
    harness.point_hosts()
    harness.log_in("gh")
    harness.cli("cicd", "setup", "--apply")
    repo = harness.state()["github"]["repo"]
    assert set(repo) == {"STAGING_DATABRICKS_CLIENT_ID", "STAGING_DATABRICKS_CLIENT_SECRET"}
    assert repo["STAGING_DATABRICKS_CLIENT_ID"] == principals(harness)[STAGING]
    ci = {"CI": "true", "DATABRICKS_TOKEN": "", "DATABRICKS_CLIENT_ID": repo[
        "STAGING_DATABRICKS_CLIENT_ID"], "DATABRICKS_CLIENT_SECRET": repo[
        "STAGING_DATABRICKS_CLIENT_SECRET"]}
    harness.monkeypatch.delenv("DATABRICKS_TOKEN")
    out = harness.cli("cicd", "check", "-t", "staging", env=ci)
    assert "CI/CD is ready" in out
    assert set(harness.server.access_tokens.values()) == {principals(harness)[STAGING]}
    for text in harness.outputs:
        assert repo["STAGING_DATABRICKS_CLIENT_SECRET"] not in text
