"""Writes whose answer is lost: the workspace applied the request, the client never heard.

A create or a run-now is not idempotent: sending it again after a dropped connection
makes a second job (which then runs on its schedule, unseen by state) or a second run.
The fake workspace here applies the request and then drops the connection or answers
500; the CLI must find what the request made instead of making it twice, and must not
say "cannot connect" about a request that was sent.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from pathlib import Path

import pytest
import requests

from mlops_stacks.workspace.databricks.errors import maybe_applied, retryable, surely_not_sent
from tests.reliability import test_hostile_http
from tests.reliability.hostile_server import HostileDatabricks, run_cli

DEPLOY = ["deploy", "-t", "staging", "--auto-approve"]
# The project and CLI environment of the hostile-server tests.
project = test_hostile_http.project
env = test_hostile_http.env


def job_names(server: HostileDatabricks) -> Counter[str]:
    return Counter(j["settings"]["name"] for j in server.state.jobs.values())


def _refused() -> requests.ConnectionError:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    try:
        requests.post(f"http://127.0.0.1:{port}/api", data=b"{}", timeout=5)
    except requests.ConnectionError as err:
        return err
    raise AssertionError("the request to a closed port succeeded")


def _dropped() -> requests.ConnectionError:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def read_then_close() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    threading.Thread(target=read_then_close, daemon=True).start()
    try:
        requests.post(f"http://127.0.0.1:{listener.getsockname()[1]}/api", data=b"{}", timeout=5)
    except requests.ConnectionError as err:
        return err
    finally:
        listener.close()
    raise AssertionError("the server answered")


def test_a_refused_connection_is_safe_to_retry_and_a_dropped_one_is_not() -> None:
    refused, dropped = _refused(), _dropped()
    assert surely_not_sent(refused) and not surely_not_sent(dropped)
    assert retryable(refused, applied_possible=False)
    assert not retryable(dropped, applied_possible=False)
    assert retryable(dropped, applied_possible=True)
    assert maybe_applied(dropped) and not maybe_applied(refused)
    assert not surely_not_sent(requests.ReadTimeout("no answer"))


@pytest.mark.parametrize("fault", ["drop", "fail"])
def test_a_job_create_whose_answer_is_lost_is_found_not_made_twice(
    project: Path, env: dict[str, str], hostile: HostileDatabricks, fault: str
) -> None:
    # Every job create is applied, then its connection drops (or it is answered 500).
    getattr(hostile, fault)("POST", "/api/2.2/jobs/create")
    result = run_cli(DEPLOY, project, env)
    assert result.code == 0, result.output
    assert job_names(hostile) == {"staging-demo-train": 1, "staging-demo-score": 1}
    assert "was sent, but" in result.stderr, result.stderr
    assert "cannot connect" not in result.output
    hostile.behave()
    again = run_cli(["plan", "-t", "staging"], project, env)
    assert again.code == 0, again.output
    assert "Plan: 0 to add, 0 to change, 0 to delete" in again.output, again.output


def test_the_lock_write_and_a_run_start_whose_answers_are_lost_are_not_repeated(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    # The first import of the deploy is the lock (created without overwrite): a repeat is
    # refused as "exists", and the deploy must see that the lock is its own.
    hostile.drop("POST", "/api/2.0/workspace/import", times=1)
    result = run_cli(DEPLOY, project, env)
    assert result.code == 0, result.output
    assert "locked by" not in result.output
    hostile.drop("POST", "/api/2.2/jobs/run-now", times=1)
    ran = run_cli(["run", "-t", "staging", "score_job"], project, env)
    assert ran.code == 0, ran.output
    assert len(hostile.state.runs) == 1, hostile.state.runs


def test_a_start_without_a_way_to_reconcile_fails_clearly_and_is_sent_once() -> None:
    from mlops_stacks.workspace.databricks.errors import (
        Context,
        MaybeApplied,
        RetryPolicy,
        call_with_retries,
    )  # fmt: skip

    calls: list[int] = []

    def start() -> None:
        calls.append(1)
        raise _dropped()

    ctx = Context(host="https://ws.example")
    with pytest.raises(MaybeApplied) as caught:
        call_with_retries(start, "start an update of pipeline 'p'", ctx, RetryPolicy(base_delay=0),
                          idempotent=False)  # fmt: skip
    assert calls == [1]
    assert "the request was sent, but the connection dropped" in caught.value.message
    assert "may have applied it" in caught.value.message


def test_a_cluster_create_whose_answer_is_lost_is_found_not_made_twice(
    tmp_path: Path, hostile: HostileDatabricks
) -> None:
    # Cluster names are not unique either: the lost create is found by name.
    from tests.databricks.test_databricks_kinds import CASES, deploy_now, write_project
    from tests.reliability.hostile_server import cli_env
    from tests.reliability.test_hostile_http import cli_environment

    [case] = [c for c in CASES if c.kind == "clusters"]
    root = write_project(tmp_path / "kinds", hostile.url, case.before)
    hostile.drop("POST", "/api/2.1/clusters/create", times=1)
    (tmp_path / "home").mkdir()
    with cli_environment(cli_env(hostile, tmp_path / "home")):
        deploy_now(root, hostile)
    names = Counter(c["cluster_name"] for c in hostile.state.clusters.values())
    assert names == {"staging-shared": 1}, names
