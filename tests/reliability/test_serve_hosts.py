"""``serve --host``: a name that does not resolve, an address of another machine and a
port in use are told apart (all three used to say "Port ... is already in use")."""

from __future__ import annotations

import socket

import pytest

from mlops_stacks.serving.server import listen_problem


def test_each_reason_a_server_cannot_listen_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = listen_problem("127.0.0.1", port)
        assert in_use is not None and "already in use" in in_use.message
    unresolved = listen_problem("no-such-host.invalid", 8080)
    assert unresolved is not None and "Cannot resolve --host" in unresolved.message
    elsewhere = listen_problem("192.0.2.1", 8080)  # TEST-NET-1: never this machine
    assert elsewhere is not None and "not an address of this machine" in elsewhere.message
    assert listen_problem("127.0.0.1", 0) is None


def test_an_ipv6_loopback_host_is_not_reported_as_a_port_in_use() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    assert listen_problem("::1", 0) is None
