"""The proxy settings of the environment apply to every request to the workspace
(read once per connection: ``auth._environment_once``), and ``NO_PROXY`` exempts it."""

from __future__ import annotations

import socket

import pytest

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace.databricks import current_user
from tests.databricks.fake_server import FakeDatabricks


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dead_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    proxy = f"http://127.0.0.1:{_closed_port()}"
    for key in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(key, raising=False)
    for key in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(key, proxy)
    return proxy


def test_requests_go_through_the_proxy_of_the_environment(
    db_env: FakeDatabricks, dead_proxy: str
) -> None:
    mark = db_env.mark()
    with pytest.raises(WorkspaceError):
        current_user(db_env.url)
    assert db_env.requests[mark:] == []  # nothing reached the workspace but by the proxy


def test_no_proxy_exempts_the_workspace(
    db_env: FakeDatabricks, dead_proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert current_user(db_env.url)["userName"] == db_env.user
