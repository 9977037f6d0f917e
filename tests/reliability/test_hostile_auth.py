"""Credentials and a workspace over real HTTP: messages that point at the real problem.

- ``validate -t <remote>`` with a valid token resolves the user instead of warning
  "no credentials" (and still warns when there are none);
- a token and a client secret both set: the hint says to unset one;
- a rejected token stays an authentication error (the non-JSON case is in
  ``test_hostile_http.py``: an HTML page is not one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databricks.test_databricks_deploy import make_project
from tests.reliability.hostile_server import HostileDatabricks, cli_env, run_cli


@pytest.fixture
def project(tmp_path: Path, hostile: HostileDatabricks) -> Path:
    return make_project(tmp_path / "demo", hostile.url)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def test_validate_with_a_valid_token_resolves_the_user_instead_of_warning(
    project: Path, hostile: HostileDatabricks, home: Path
) -> None:
    result = run_cli(["validate", "-t", "staging"], project, cli_env(hostile, home))
    assert result.code == 0, result.output
    assert "no credentials" not in result.output
    assert "User: jane.doe@example.com" in result.output
    assert "/Workspace/Users/jane.doe@example.com/.bundle/demo/staging" in result.output
    assert [r.path for r in hostile.requests if r.path.startswith("/api/")] == [
        "/api/2.0/preview/scim/v2/Me"
    ]

    env = cli_env(hostile, home)
    del env["DATABRICKS_TOKEN"]
    without = run_cli(["validate", "-t", "staging"], project, env)
    assert without.code == 0, without.output
    assert "workspace look-ups were skipped: no credentials" in without.output


def test_a_token_and_a_client_secret_together_get_a_hint_to_unset_one(
    project: Path, hostile: HostileDatabricks, home: Path
) -> None:
    env = cli_env(
        hostile, home, DATABRICKS_CLIENT_ID="sp-client-id",
        DATABRICKS_CLIENT_SECRET="sp-client-secret-value",
    )  # fmt: skip
    result = run_cli(["deploy", "-t", "staging", "--auto-approve"], project, env)
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    assert "more than one authorization method" in result.output
    assert "unset DATABRICKS_TOKEN" in result.output
    assert "DATABRICKS_AUTH_TYPE" in result.output
    for secret in (hostile.token, "sp-client-secret-value"):
        assert secret not in result.output
    assert not hostile.writes()


def test_a_rejected_token_is_still_an_authentication_error(
    project: Path, hostile: HostileDatabricks, home: Path
) -> None:
    env = cli_env(hostile, home, DATABRICKS_TOKEN="dapi-revoked-0000000000")
    result = run_cli(["validate", "-t", "staging"], project, env)
    assert result.code == 1, result.output
    assert "rejected the credentials (401)" in result.output
    assert "DATABRICKS_TOKEN" in result.output and "Traceback" not in result.output
    assert "dapi-revoked-0000000000" not in result.output


def test_a_sign_in_endpoint_that_never_answers_ends_within_the_deadline(
    project: Path, hostile: HostileDatabricks, home: Path
) -> None:
    # OAuth M2M: the SDK fetches the token with no timeout of its own.
    hostile.hang("POST", "/oidc/v1/token")
    env = cli_env(
        hostile, home, DATABRICKS_CLIENT_ID="sp-client-id",
        DATABRICKS_CLIENT_SECRET="sp-client-secret-value",
        MLOPS_STACKS_DATABRICKS_HTTP_TIMEOUT="0.5",
    )  # fmt: skip
    del env["DATABRICKS_TOKEN"]
    result = run_cli(["--http-deadline", "3", "deploy", "-t", "staging", "--auto-approve"],
                     project, env)  # fmt: skip
    assert result.code == 1, result.output
    assert "did not answer within the 3 s" in result.output
    assert "no answer in time" in result.output and "Traceback" not in result.output
    assert result.seconds < 3 + 8, result.seconds
    assert not hostile.writes()
