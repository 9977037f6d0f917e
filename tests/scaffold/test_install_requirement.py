"""The mlops-stacks requirement of the generated pipelines follows how mlops-stacks was installed.

``mlops_stacks.install_source`` reads the installer's PEP 610 record; every README and
pipeline of a generated repository installs the one requirement it gives. (The wheel,
a local package index and a git URL, end to end: tests/test_package_index.py.)
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from mlops_stacks import __version__
from mlops_stacks.install_source import data_fix, from_direct_url, installed_requirement
from mlops_stacks.templates import builtin_template
from tests.conftest import render_template
from tests.scaffold.conftest import Init

COMMIT = "3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"


def _record(**fields: object) -> str:
    return json.dumps(fields)


def test_an_index_install_is_pinned() -> None:
    source = from_direct_url(None, "1.4.2")
    assert (source.requirement, source.portable, source.upgrade) == (
        "mlops-stacks==1.4.2", True, "mlops-stacks")


def test_a_git_install_is_its_url_at_the_commit_without_credentials() -> None:
    record = _record(url="https://ci-bot:s3cr3t@github.com/acme/mlops-stacks.git",
                     vcs_info={"vcs": "git", "commit_id": COMMIT, "requested_revision": "v1"})
    source = from_direct_url(record)
    assert source.requirement == f"mlops-stacks @ git+https://github.com/acme/mlops-stacks.git@{COMMIT}"
    assert source.upgrade == "mlops-stacks @ git+https://github.com/acme/mlops-stacks.git"
    assert source.portable and "s3cr3t" not in repr(source)
    sub = from_direct_url(_record(url="https://h/r.git", subdirectory="pkg",
                                  vcs_info={"vcs": "git", "commit_id": COMMIT}))
    assert sub.requirement == f"mlops-stacks @ git+https://h/r.git@{COMMIT}#subdirectory=pkg"


def test_a_git_repository_on_this_machine_is_not_portable() -> None:
    source = from_direct_url(_record(url="file:///home/me/mlops-stacks",
                                     vcs_info={"vcs": "git", "commit_id": COMMIT}))
    assert source.requirement == f"mlops-stacks @ git+file:///home/me/mlops-stacks@{COMMIT}"
    assert not source.portable and "on this machine" in source.note


@pytest.mark.parametrize(("record", "says"), [
    (_record(url="file:///home/me/src/mlops-stacks", dir_info={"editable": True}),
     "an editable install of /home/me/src/mlops-stacks"),
    (_record(url="file:///home/me/src/mlops-stacks", dir_info={}),
     "installed from /home/me/src/mlops-stacks"),
    (_record(url="file:///tmp/dist/mlops_stacks-0.2.0-py3-none-any.whl", archive_info={}),
     "installed from /tmp/dist/mlops_stacks-0.2.0-py3-none-any.whl"),
])
def test_a_local_install_gives_the_pin_and_says_why(record: str, says: str) -> None:
    source = from_direct_url(record, "0.2.0")
    assert (source.requirement, source.kind, source.portable) == (
        "mlops-stacks==0.2.0", "local", False)
    assert says in source.note


def test_an_archive_url_is_installable() -> None:
    url = "https://files.example.org/mlops_stacks-0.2.0-py3-none-any.whl"
    source = from_direct_url(_record(url=url, archive_info={"hashes": {}}))
    assert (source.requirement, source.portable) == (f"mlops-stacks @ {url}", True)


def test_this_checkout_is_an_editable_install() -> None:
    # The test environment installs the repository with `pip install -e`.
    source = installed_requirement()
    assert source.requirement == f"mlops-stacks=={__version__}" and not source.portable


def test_the_fix_is_quoted_for_the_shell() -> None:
    assert data_fix("mlops-stacks @ git+https://h/r.git@v1") == \
        "--data 'mlops_stacks_requirement=mlops-stacks @ git+https://h/r.git@v1'"


def test_the_template_version_is_the_package_version() -> None:
    questions = yaml.safe_load((builtin_template() / "copier.yml").read_text())
    assert questions["mlops_stacks_version"]["default"] == __version__
    init = Path(__file__).resolve().parents[2] / "mlops_stacks" / "__init__.py"
    assert f'__version__ = "{questions["mlops_stacks_version"]["default"]}"' in init.read_text()


PIP_LINE = re.compile(r"pip install\b[^\n]*mlops-stacks[^\n]*")
QUOTED = re.compile(r"""pip install (--upgrade )?(["'])(mlops-stacks[^"']*)\2""")


def install_lines(root: Path) -> dict[str, list[str]]:
    """file -> the requirements its `pip install ... mlops-stacks` lines name."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts):
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for line in PIP_LINE.findall(text):
            match = QUOTED.search(line)
            found.setdefault(str(path.relative_to(root)), []).append(
                match.group(3) if match else f"UNQUOTED: {line}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["github_actions", "azure_devops", "gitlab"])
def test_every_readme_and_pipeline_installs_the_same_requirement(
    tmp_path: Path, platform: str
) -> None:
    git = f"mlops-stacks @ git+https://github.com/acme/mlops-stacks.git@{COMMIT}"
    newest = "mlops-stacks @ git+https://github.com/acme/mlops-stacks.git"
    # What init passes for a git install (mlops_stacks.install_source.install_data).
    render_template(tmp_path, project_name="churn", cicd_platform=platform,
                    mlops_stacks_install=git, mlops_stacks_upgrade=newest)
    found = install_lines(tmp_path)
    local = git.replace("mlops-stacks", "mlops-stacks[local]", 1)
    ci = {f for f in found if f.startswith((".github", ".azure", ".gitlab"))}
    assert len(ci) >= 4, found
    assert {"README.md", "churn/README.md", "docs/ci-cd.md"} <= set(found)
    for file, requirements in found.items():
        expected = {newest} if "mlops-stacks-update" in file else {git, local}
        assert set(requirements) <= expected, (file, requirements)


def test_init_names_the_placeholder_hosts_and_the_requirement_fix(init: Init) -> None:
    result = init("--defaults", "--no-git", "--data", "cloud=aws", "out/churn")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "staging_workspace_host = https://staging-workspace.cloud.databricks.com" in out
    assert "prod_workspace_host = https://prod-workspace.cloud.databricks.com" in out
    [fix] = [ln for ln in out.splitlines() if "--data 'staging_workspace_host=" in ln]
    # Pasted into a shell, the command is one update with both answers (no <...> redirection).
    assert shlex.split(fix) == [
        "mlops-stacks", "update", "out/churn",
        "--data", "staging_workspace_host=https://<staging-workspace-host>",
        "--data", "prod_workspace_host=https://<prod-workspace-host>"]
    # This checkout is an editable install: CI cannot repeat it.
    assert "It is an editable install of" in out
    assert f'install "mlops-stacks=={__version__}", which works once that version' in out
    assert ("mlops-stacks update out/churn --data 'mlops_stacks_requirement=mlops-stacks @ "
            "git+https://<host>/<repo>.git@<tag-or-commit>'") in out


def test_real_hosts_and_an_answered_requirement_need_no_note(init: Init) -> None:
    result = init("--defaults", "--no-git", "-o", "json",
                  "--data", "staging_workspace_host=https://acme-staging.cloud.databricks.com",
                  "--data", "prod_workspace_host=https://acme-prod.cloud.databricks.com",
                  "--data", "mlops_stacks_requirement=mlops-stacks==0.2.0", "out/churn")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["notes"] == []


def test_a_project_only_project_names_the_hosts_in_its_databricks_yml(init: Init) -> None:
    result = init("--defaults", "--no-git", "--data", "setup=project_only", "out/churn")
    assert result.exit_code == 0, result.stderr
    assert "https://adb-1111111111111111.11.azuredatabricks.net (targets dev, staging, test)" \
        in result.stdout
    assert "targets.<target>.workspace.host of out/churn/my_mlops_project/databricks.yml" \
        in result.stdout
