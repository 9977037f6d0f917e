"""The generated pipelines are the one source of the secret names, and every deploy job
checks the CI/CD setup before anything else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlops_stacks.cicd.pipelines import pipeline_files
from mlops_stacks.cicd.project import read_repository
from tests.conftest import render_template

PLATFORMS = [("github_actions", "aws"), ("azure_devops", "azure"), ("gitlab", "gcp")]
COMMAND = re.compile(r"mlops-stacks (cicd check|validate|deploy|run)\b[^\n]*?-t (\w+)")


@pytest.fixture(scope="module", params=PLATFORMS, ids=[p for p, _ in PLATFORMS])
def repo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    platform, cloud = request.param
    return render_template(tmp_path_factory.mktemp(platform) / "repo", project_name="demo",
                           cicd_platform=platform, cloud=cloud)  # fmt: skip


def test_deployers_and_secret_names_come_from_the_pipeline_files(repo: Path) -> None:
    found = read_repository(repo / "demo")
    assert [d.name for d in found.deployers] == ["staging", "prod"]
    staging, prod = found.deployers
    assert staging.targets == ["staging", "test"] and prod.targets == ["prod"]
    prefix = {"STAGING": staging, "PROD": prod}
    text = "\n".join(p.read_text() for p in pipeline_files(repo, found.platform))
    for name, deployer in prefix.items():
        names = {s.name for s in deployer.secrets}
        env_vars = {s.env_var for s in deployer.secrets}
        if found.cloud == "azure":
            assert env_vars == {"ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET"}
        else:
            assert env_vars == {"DATABRICKS_TOKEN"}
        assert names == {f"{name}_{v}" for v in env_vars}
        assert all(n in text for n in names)
    if found.platform == "azure_devops":
        assert {s.scope for s in prod.secrets} == {"mlops-stacks-prod"}
    else:  # prod secrets belong to the prod environment; staging's are read outside it too
        assert {s.scope for s in prod.secrets} == {"prod"}
        assert {s.scope for s in staging.secrets} == {None}


def test_every_deploy_job_checks_the_setup_first(repo: Path) -> None:
    platform = read_repository(repo / "demo").platform
    deploys = 0
    for path in pipeline_files(repo, platform):
        for job in re.split(r"\n(?=  \S|\S)", path.read_text()):  # top-level/job blocks
            commands = COMMAND.findall(job)
            if not any(c == "deploy" for c, _ in commands) or "-t test" in job:
                continue
            deploys += 1
            assert commands[0] == ("cicd check", commands[-1][1]), (path.name, commands)
    assert deploys == 2
