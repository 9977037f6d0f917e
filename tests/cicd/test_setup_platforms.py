"""``cicd setup`` and ``check`` on GitLab (GCP, ``glab``) and Azure DevOps (Azure, ``az``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cicd.conftest import Harness, make_harness, render
from tests.databricks.fake_server import FakeDatabricks

APP_STAGING = "11111111-2222-4333-8444-555555555555"
APP_PROD = "66666666-7777-4888-8999-000000000000"
TENANT = "0b0b0b0b-1111-4222-8333-444444444444"


@pytest.fixture(scope="session")
def gitlab_gcp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("gl") / "repo", cloud="gcp", cicd_platform="gitlab")


@pytest.fixture(scope="session")
def azure_devops(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("az") / "repo", cloud="azure",
                  cicd_platform="azure_devops")  # fmt: skip


def test_gitlab_variables_masked_and_scoped_once(
    gitlab_gcp: Path, tmp_path: Path, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness = make_harness(gitlab_gcp, tmp_path, server, monkeypatch)
    harness.point_hosts()
    harness.log_in("glab", False)
    out = harness.cli("cicd", "check", code=1)
    assert "glab is not logged in to GitLab (run `glab auth login`)" in out
    harness.log_in("glab")
    harness.cli("cicd", "setup", "--apply")
    variables = {(v["key"], v["environment_scope"]): v for v in harness.state()["gitlab"]}
    assert set(variables) == {("STAGING_DATABRICKS_TOKEN", "*"), ("PROD_DATABRICKS_TOKEN", "prod")}
    assert all(v["masked"] for v in variables.values())
    assert server.obo_tokens[variables[("PROD_DATABRICKS_TOKEN", "prod")]["value"]][
        "application_id"] != server.obo_tokens[
        variables[("STAGING_DATABRICKS_TOKEN", "*")]["value"]]["application_id"]
    mark, sets = server.mark(), len(harness.calls("glab", "variable", "set"))
    out = harness.cli("cicd", "setup", "--apply")
    assert "Everything is in place; nothing was changed." in out
    assert server.writes(since=mark) == [] and len(harness.calls("glab", "variable", "set")) == sets
    harness.cli("cicd", "check")


def test_a_variable_that_exists_is_kept(
    gitlab_gcp: Path, tmp_path: Path, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness = make_harness(gitlab_gcp, tmp_path, server, monkeypatch)
    harness.point_hosts()
    harness.log_in("glab")
    state = harness.state()
    state["gitlab"] = [{"key": "PROD_DATABRICKS_TOKEN", "value": "set-by-someone", "masked": True,
                        "environment_scope": "prod"}]  # fmt: skip
    harness.state_file.write_text(json.dumps(state))
    out = harness.cli("cicd", "setup", "--apply", "-o", "json")
    report = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    prod = next(e for e in report["environments"] if e["environment"] == "prod")
    assert [s["state"] for s in prod["secrets"]] == ["present"]
    assert [c[3] for c in harness.calls("glab", "variable", "set")] == ["STAGING_DATABRICKS_TOKEN"]
    assert len(server.obo_tokens) == 1


def test_azure_devops_on_azure_uses_entra_applications(
    azure_devops: Path, tmp_path: Path, server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness: Harness = make_harness(azure_devops, tmp_path, server, monkeypatch)
    server.cloud = "azure"
    harness.point_hosts()
    harness.log_in("az")
    out = harness.cli("cicd", "setup", "--apply")
    assert "--application-id staging=<appId>" in out  # Entra applications come first
    assert server.service_principals == {}
    harness.cli("cicd", "setup", "--apply", "--application-id", f"staging={APP_STAGING}",
                "--application-id", f"prod={APP_PROD}", "--azure-tenant-id", TENANT)
    apps = {sp["displayName"]: sp["applicationId"] for sp in server.service_principals.values()}
    assert apps == {"demo-staging-deployer": APP_STAGING, "demo-prod-deployer": APP_PROD}
    groups = {g["name"]: g["variables"] for g in harness.state()["azure"]}
    assert groups["mlops-stacks-prod"]["PROD_ARM_CLIENT_ID"] == {"isSecret": True,
                                                                 "value": APP_PROD}
    assert groups["mlops-stacks-staging"]["STAGING_ARM_TENANT_ID"]["value"] == TENANT
    entra = harness.state()["entra"]  # a client secret added to each Entra application
    assert groups["mlops-stacks-prod"]["PROD_ARM_CLIENT_SECRET"]["value"] == \
        entra[APP_PROD][0]["password"]
    assert server.obo_tokens == {}
    calls = harness.calls("az", "pipelines", "variable-group", "variable", "create")
    assert all(APP_PROD not in " ".join(c) and TENANT not in " ".join(c) for c in calls)
    assert all(entra[APP_PROD][0]["password"] not in text for text in harness.outputs)
    harness.cli("cicd", "check", "-t", "prod")
    mark = server.mark()
    harness.cli("cicd", "setup", "--apply")  # nothing to do, no second client secret
    assert server.writes(since=mark) == [] and len(harness.state()["entra"][APP_PROD]) == 1
    # In the pipeline, a secret variable that is not set stays as the literal macro.
    ci = {"TF_BUILD": "True", "ARM_TENANT_ID": TENANT, "ARM_CLIENT_ID": APP_PROD,
          "ARM_CLIENT_SECRET": "$(PROD_ARM_CLIENT_SECRET)"}
    out = harness.cli("cicd", "check", "-t", "prod", env=ci, code=1)
    (gap,) = [line for line in out.splitlines() if line.startswith("prod:")]
    assert "ARM_CLIENT_SECRET is empty in this job: the secret PROD_ARM_CLIENT_SECRET is not " \
           "set in Azure DevOps variable group mlops-stacks-prod" in gap
