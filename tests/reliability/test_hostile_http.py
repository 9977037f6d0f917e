"""A hostile or broken workspace, over real HTTP, with the real CLI.

Each case makes the fake workspace misbehave (no answer, slow answers,
malformed JSON, missing fields, huge bodies, HTML pages), runs the CLI as a
user would with a short HTTP deadline, and checks that the command ends within
its deadline with a clear message and no traceback. Then the workspace behaves
again, and the next deploy converges: it succeeds, the one after changes
nothing, and nothing was created twice.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.databricks.test_databricks_deploy import do_deploy, make_project
from tests.reliability.hostile_server import CliResult, HostileDatabricks, cli_env, run_cli

DEPLOY = ["deploy", "-t", "staging", "--auto-approve"]
#: CLI start-up, bundle loading and the deploy itself, on a busy 2-core machine.
SLACK = 8.0


@pytest.fixture
def project(tmp_path: Path, hostile: HostileDatabricks) -> Path:
    return make_project(tmp_path / "demo", hostile.url)


@pytest.fixture
def env(tmp_path: Path, hostile: HostileDatabricks) -> dict[str, str]:
    (tmp_path / "home").mkdir()
    return cli_env(hostile, tmp_path / "home", MLOPS_STACKS_DATABRICKS_HTTP_TIMEOUT="0.5")


@contextmanager
def cli_environment(env: dict[str, str]) -> Iterator[None]:
    """The CLI's environment in this process, for deploys through the library."""
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith(("DATABRICKS_", "MLOPS_STACKS_"))]:
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        yield


def deploy_once(project: Path, server: HostileDatabricks) -> Any:
    result, _ = do_deploy(project, server)
    return result


def assert_clean_failure(result: CliResult, *phrases: str) -> None:
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


def assert_converges(project: Path, env: dict[str, str], server: HostileDatabricks) -> None:
    """The next deploy succeeds, the one after changes nothing, nothing exists twice.

    (In-process through the library, with the CLI's environment: faster than two more
    CLI processes, and the same code path below the command line.)
    """
    server.behave()
    env = {k: v for k, v in env.items() if k != "MLOPS_STACKS_DATABRICKS_DEADLINE"}
    with cli_environment(env):
        deploy_once(project, server)
        again = deploy_once(project, server)
    assert "0 created, 0 changed, 0 deleted" in again.summary_line(), again.summary_line()
    names = Counter(j["settings"]["name"] for j in server.state.jobs.values())
    assert names == {"staging-demo-train": 1, "staging-demo-score": 1}
    experiments = Counter(e["name"] for e in server.state.experiments.values())
    assert list(experiments.values()) == [1]
    assert len(server.state.uc_models) == 1


def test_a_server_that_never_answers_ends_within_the_deadline_with_retries_reported(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    # Reads of workspace files (state, lock, manifest) never get an answer.
    hostile.hang("GET", "/api/2.0/workspace/export")
    result = run_cli(["--http-deadline", "3", *DEPLOY], project, env)
    assert_clean_failure(result, "did not answer within the 3 s", "--http-deadline")
    assert "retrying in" in result.stderr and "no answer in time" in result.stderr
    # The deadline, plus the same again at most to release the deploy lock.
    assert result.seconds < 3 + 3 + SLACK, result.seconds
    assert_converges(project, env, hostile)


def test_slow_answers_end_at_the_deadline_not_after_every_request(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    hostile.slow(None, "/api/", seconds=0.4)
    env = {**env, "MLOPS_STACKS_DATABRICKS_DEADLINE": "2"}
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(
        result, "did not answer within the 2 s", "MLOPS_STACKS_DATABRICKS_DEADLINE"
    )
    assert result.seconds < 2 + 2 + SLACK, result.seconds
    assert_converges(project, env, hostile)


def test_malformed_json_is_an_unexpected_answer_and_the_created_job_is_adopted(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    hostile.rewrite("POST", "/api/2.2/jobs/create", lambda payload: b'{"job_id": 10', times=1)
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(
        result,
        "answered unexpectedly to POST /api/2.2/jobs/create (200): the answer is not JSON",
        "The answer starts with: '{\"job_id\": 10'",
    )
    assert "authenticate" not in result.output.lower()
    assert_converges(project, env, hostile)


@pytest.mark.parametrize(
    ("method", "path", "problem"),
    [
        ("POST", "/api/2.2/jobs/create", "the field 'job_id' is missing"),
        ("POST", "/api/2.0/mlflow/experiments/create", "the field 'experiment_id' is missing"),
    ],
)
def test_answers_missing_fields_are_reported_and_the_next_deploy_converges(
    project: Path, env: dict[str, str], hostile: HostileDatabricks,
    method: str, path: str, problem: str,
) -> None:  # fmt: skip
    # The workspace applies the create, then answers {}.
    hostile.rewrite(method, path, lambda payload: {}, times=1)
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, f"answered unexpectedly to {method} {path} (200): {problem}")
    assert_converges(project, env, hostile)


def _string_task_state(payload: Any) -> Any:
    payload["tasks"][0]["state"] = "RUNNING"
    return payload


@pytest.mark.parametrize(
    ("path", "rewrite", "problem"),
    [
        ("/api/2.2/jobs/run-now", lambda payload: {}, "the field 'run_id' is missing"),
        (
            "/api/2.2/jobs/runs/get",
            _string_task_state,
            "the field 'tasks[0].state' should be an object, not a string",
        ),
    ],
)
def test_malformed_run_answers_are_reported(
    project: Path, env: dict[str, str], hostile: HostileDatabricks,
    path: str, rewrite: Any, problem: str,
) -> None:  # fmt: skip
    with cli_environment(env):
        deploy_once(project, hostile)
    hostile.rewrite(None, path, rewrite)
    result = run_cli(["run", "train_job", "-t", "staging"], project, env)
    assert_clean_failure(result, "answered unexpectedly to", path, problem)


def test_a_huge_answer_is_not_read_past_the_size_cap(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    # 300 MB of JSON, sent without a Content-Length, to the look-up a job create makes.
    hostile.huge("GET", "/api/2.2/jobs/list", megabytes=300)
    # Both jobs' look-ups get it at once: answers over 4 MB are read one at a time.
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, "the answer is larger than 64 MB")
    assert result.max_rss_mb < 250, result.max_rss_mb
    assert result.seconds < 30, result.seconds
    assert_converges(project, env, hostile)


def test_concurrent_huge_answers_are_read_one_at_a_time(hostile: HostileDatabricks) -> None:
    import threading
    import tracemalloc

    import requests

    from mlops_stacks.workspace.databricks.http import AnswerTooLarge, Deadline, send

    hostile.huge("GET", "/api/2.2/jobs/list", megabytes=100)
    cap = 32 * 1024 * 1024
    session = requests.Session()
    refused: list[AnswerTooLarge] = []

    def look_up() -> None:
        try:
            send(session, "GET", f"{hostile.url}/api/2.2/jobs/list", "/api/2.2/jobs/list",
                 deadline=Deadline(60), timeout=30, max_bytes=cap)  # fmt: skip
        except AnswerTooLarge as err:
            refused.append(err)

    workers = [threading.Thread(target=look_up) for _ in range(6)]
    tracemalloc.start()
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert len(refused) == 6
    # Six capped answers at once would be 192 MB; one at a time, one cap and a little.
    assert peak < 32 + 6 * 4 + 16, peak


def test_an_answer_of_millions_of_small_objects_is_refused_before_parsing(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    # 30 MB, under the size cap, that json.loads would turn into 10 million dicts (> 1 GB).
    body = b'{"jobs": [' + b"{}," * 10_000_000 + b"{}]}"
    hostile.answer("GET", "/api/2.2/jobs/list", body=body)
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, "answered unexpectedly to GET /api/2.2/jobs/list (200): the "
                         "answer holds more than 1,000,000 JSON values")  # fmt: skip
    assert result.max_rss_mb < 250, result.max_rss_mb
    assert_converges(project, env, hostile)


def test_an_html_login_page_is_an_unexpected_answer_not_an_authentication_error(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    page = b"<!DOCTYPE html><html><head><title>Sign in - Corp SSO</title></head></html>"
    hostile.answer(None, "/api/", body=page, content_type="text/html")
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(
        result,
        "answered unexpectedly to GET /api/2.0/preview/scim/v2/Me (200): the answer is not "
        "JSON (text/html)",
        "<title>Sign in - Corp SSO</title>",
        "login page or proxy",
    )
    assert "Cannot authenticate" not in result.output
    assert_converges(project, env, hostile)


def test_server_error_text_is_escaped_and_cut_short_and_debug_shows_it_all(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    body = b"<html>\x00\x1b]0;owned\x07\x1b[2J" + b"A" * 100_000 + b"</html>"
    hostile.answer("POST", "/api/2.2/jobs/create", body=body, status=400,
                   content_type="text/html")  # fmt: skip
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, "400", "more characters; --debug shows them all")
    assert len(result.stderr) < 5_000
    for raw in ("\x00", "\x1b", "\x07"):
        assert raw not in result.output
    assert "\\x00\\x1b]0;owned\\x07\\x1b[2J" in result.stderr

    debug = run_cli(["--debug", *DEPLOY], project, env)
    assert debug.code == 1
    assert "A" * 100_000 in debug.stderr
    for raw in ("\x00", "\x1b", "\x07"):
        assert raw not in debug.output
    assert_converges(project, env, hostile)


def test_a_server_user_name_that_is_a_path_never_becomes_the_deploy_root(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    hostile.user = "../../etc"
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, "answered unexpectedly to GET /api/2.0/preview/scim/v2/Me",
                         "would become part of the deploy path")  # fmt: skip
    assert not hostile.writes()
    assert not [p for p in hostile.state.objects if "etc" in p]


def test_server_ids_with_path_characters_are_refused_before_any_use(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    resources = project / "resources" / "resources.yml"
    text = resources.read_text()
    resources.write_text(
        text.replace(
            "-demo-experiment\n",
            "-demo-experiment\n      permissions:\n        - level: CAN_READ\n"
            "          group_name: users\n",
        )
    )
    # Both IDs would go into URLs (/api/2.0/permissions/<type>/<id>): each create applies,
    # then answers an ID with a path in it.
    hostile.rewrite("POST", "/api/2.2/jobs/create",
                    lambda payload: {"job_id": "12abc/../x"}, times=1)  # fmt: skip
    hostile.rewrite("POST", "/api/2.0/mlflow/experiments/create",
                    lambda payload: {"experiment_id": "7/../../jobs/1"}, times=1)  # fmt: skip
    # The two creates do not depend on each other: one deploy reports both failures.
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, "is not a usable ID", "2 changes failed")
    outputs = result.output
    assert "the field 'job_id' is not a usable ID: '12abc/../x'" in outputs
    assert "the field 'experiment_id' is not a usable ID: '7/../../jobs/1'" in outputs
    paths = [p.split("?")[0] for p in hostile.raw_paths]
    assert not [p for p in paths if "12abc" in p or "/7" in p or ".." in p or "%2F" in p]
    assert_converges(project, env, hostile)
    state = json.loads(
        hostile.state.objects[
            "/Workspace/Users/jane.doe@example.com/.bundle/demo/staging/state/"
            "deployment-state.json"
        ].content
    )
    experiment = state["resources"]["experiments"]["experiment"]["id"]
    assert experiment in hostile.state.experiments


def test_control_characters_in_the_workspace_lock_file_are_escaped(
    project: Path, env: dict[str, str], hostile: HostileDatabricks
) -> None:
    from tests.databricks.fake_server import WsObject

    root = "/Workspace/Users/jane.doe@example.com/.bundle/demo/staging/state"
    lock = {"user": "mallory\x1b]0;owned\x07", "host": "ci\x00box", "pid": 1,
            "since": "2026-01-01\x1b[2J", "token": "theirs"}  # fmt: skip
    for path in ("/Workspace", "/Workspace/Users", "/Workspace/Users/jane.doe@example.com"):
        hostile.state.objects.setdefault(path, WsObject("DIRECTORY", hostile.next_id()))
    parts = root.split("/")
    for i in range(5, len(parts) + 1):
        hostile.state.objects.setdefault("/".join(parts[:i]), WsObject("DIRECTORY", 7 + i))
    hostile.state.objects[f"{root}/deploy.lock"] = WsObject(
        "FILE", hostile.next_id(), json.dumps(lock).encode()
    )
    result = run_cli(DEPLOY, project, env)
    assert_clean_failure(result, "is locked by mallory\\x1b]0;owned\\x07@ci\\x00box",
                         "since 2026-01-01\\x1b[2J")  # fmt: skip
    for raw in ("\x00", "\x1b", "\x07"):
        assert raw not in result.output
