"""Fixtures for the Databricks backend: a fake workspace over real HTTP, and env for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databricks.fake_server import FakeDatabricks


@pytest.fixture
def server() -> Iterator[FakeDatabricks]:
    srv = FakeDatabricks().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def db_env(
    server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> FakeDatabricks:
    """Only DATABRICKS_HOST + DATABRICKS_TOKEN, no profile file, fast retries and polling."""
    for key in (
        "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET",
        "DATABRICKS_AUTH_TYPE", "DATABRICKS_USERNAME", "DATABRICKS_PASSWORD",
        "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_USE_MSI",
        "DATABRICKS_BUNDLE_TARGET",
    ):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-such-databrickscfg"))
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", server.token)
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_RETRIES", "4")
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_RETRY_DELAY", "0.01")
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_HTTP_TIMEOUT", "10")
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_POLL_INTERVAL", "0.01")
    return server
