"""Authentication: env-only credentials, the current user, and clear 401/403 errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.errors import AuthError, WorkspaceError
from mlops_stacks.workspace.databricks import current_user
from mlops_stacks.workspace.databricks.auth import connect, me
from tests.databricks.fake_server import FakeDatabricks


def test_env_token_resolves_the_current_user(db_env: FakeDatabricks) -> None:
    user = current_user(db_env.url)
    assert user is not None
    assert user["userName"] == "jane.doe@example.com"
    assert user["short_name"] == "jane_doe"
    me_calls = [r for r in db_env.requests if r.path == "/api/2.0/preview/scim/v2/Me"]
    assert len(me_calls) == 1 and me_calls[0].status == 200


def test_local_host_has_no_remote_user() -> None:
    assert current_user("local") is None


def test_credential_source_is_described_without_the_secret(db_env: FakeDatabricks) -> None:
    conn = connect(db_env.url)
    assert conn.ctx.credential_source == "personal access token from DATABRICKS_TOKEN"
    assert db_env.token in conn.ctx.secrets


def test_wrong_token_gives_auth_error_naming_host_and_source(
    db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-wrong-token-abcdef")
    with pytest.raises(AuthError) as info:
        current_user(db_env.url)
    text = str(info.value)
    assert db_env.url in text
    assert "401" in text
    assert "DATABRICKS_TOKEN" in text
    assert "dapi-wrong-token-abcdef" not in text


def test_401_on_every_call_is_not_retried(db_env: FakeDatabricks) -> None:
    db_env.fail(None, "/api/", status=401)
    with pytest.raises(AuthError):
        current_user(db_env.url)
    me_calls = [r for r in db_env.requests if r.path.endswith("/Me")]
    assert len(me_calls) == 1


def test_403_says_permission_is_missing(db_env: FakeDatabricks) -> None:
    db_env.fail(None, "/api/2.0/preview/scim", status=403)
    with pytest.raises(AuthError) as info:
        current_user(db_env.url)
    assert "denied permission (403)" in str(info.value)
    assert db_env.token not in str(info.value)


def test_no_credentials_at_all(db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    with pytest.raises(AuthError) as info:
        current_user(db_env.url)
    text = str(info.value)
    assert db_env.url in text
    assert "DATABRICKS_TOKEN" in text and "--profile" in text


def test_profile_matching_the_host_is_used(
    db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cfg = tmp_path / "databrickscfg"
    cfg.write_text(
        f"[other]\nhost = https://elsewhere.example.com\ntoken = nope-nope\n\n"
        f"[staging]\nhost = {db_env.url}\ntoken = {db_env.token}\n"
    )
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.delenv("DATABRICKS_HOST")
    conn = connect(db_env.url)
    assert "profile 'staging'" in conn.ctx.credential_source
    assert me(conn)["userName"] == "jane.doe@example.com"


def test_named_profile_for_another_host_is_refused(
    db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cfg = tmp_path / "databrickscfg"
    cfg.write_text("[other]\nhost = https://elsewhere.example.com\ntoken = nope-nope\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.delenv("DATABRICKS_HOST")
    with pytest.raises(AuthError) as info:
        connect(db_env.url, "other")
    assert "elsewhere.example.com" in str(info.value)


def test_unreachable_host_is_a_clean_error(db_env: FakeDatabricks) -> None:
    db_env.stop()
    with pytest.raises(WorkspaceError) as info:
        current_user(db_env.url)
    assert "cannot reach" in str(info.value)


def test_oauth_m2m_service_principal(
    db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", db_env.oauth_client[0])
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", db_env.oauth_client[1])
    conn = connect(db_env.url)
    assert conn.ctx.credential_source.startswith("OAuth M2M service principal")
    assert "sp-client-id" in conn.ctx.credential_source
    assert me(conn)["userName"] == "jane.doe@example.com"
    assert any(r.path == "/oidc/v1/token" and r.status == 200 for r in db_env.requests)


def test_oauth_m2m_wrong_secret_is_an_auth_error_without_the_secret(
    db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", db_env.oauth_client[0])
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "wrong-secret-value-xyz")
    with pytest.raises(AuthError) as info:
        current_user(db_env.url)
    assert db_env.url in str(info.value)
    assert "wrong-secret-value-xyz" not in str(info.value)
