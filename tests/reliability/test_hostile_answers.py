"""``answers.parse`` and ``Answer`` on answers no workspace should give (no server needed:
the HTTP cases are in ``test_hostile_http.py``)."""

from __future__ import annotations

import pytest

from mlops_stacks.workspace.databricks.answers import HttpError, UnexpectedAnswer, parse
from mlops_stacks.workspace.databricks.http import Context, RawAnswer


def raw(body: bytes, status: int = 200, **headers: str) -> RawAnswer:
    return RawAnswer(status, headers, body, "GET", "/api/2.2/jobs/get")


CTX = Context(host="https://ws.example.com", secrets=("dapi-secret-value",))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (raw(b"", 302, Location="https://login.example.com/sso"),
         "a redirect to https://login.example.com/sso"),
        (raw(b'"just a string"'), "the answer is a JSON str, not an object"),
        (raw(b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        (raw(b"<html>sign in</html>", **{"Content-Type": "text/html"}),
         "the answer is not JSON (text/html)"),
        (raw(b'{"token": "dapi-secret-value"' + b" " * 10),
         "The answer starts with: '{\"token\": \"***\"'"),
    ],
)  # fmt: skip
def test_answers_that_are_not_a_json_object_are_unexpected(answer: RawAnswer, problem: str) -> None:
    with pytest.raises(UnexpectedAnswer) as info:
        parse(answer, CTX)
    message = info.value.message
    assert "answered unexpectedly to GET /api/2.2/jobs/get" in message
    assert problem in message
    assert "dapi-secret-value" not in message


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b'{"error_code": "INVALID_STATE", "message": "Job is locked"}', "INVALID_STATE",
         "Job is locked"),
        (b'{"detail": "User not found", "status": "404", "schemas": []}', "", "User not found"),
        (b'{"error": "invalid_client", "error_description": "Client auth failed"}',
         "invalid_client", "Client auth failed"),
        (b"<html>Bad gateway</html>", "", "(no content type) <html>Bad gateway</html>"),
    ],
)  # fmt: skip
def test_error_bodies_of_every_shape_become_http_errors(
    body: bytes, code: str, message: str
) -> None:
    with pytest.raises(HttpError) as info:
        parse(raw(body, 502, **{"Retry-After": "7"}), CTX)
    assert (info.value.status, info.value.code, info.value.message) == (502, code, message)
    assert info.value.retry_after == 7.0


def test_fields_of_the_wrong_shape_are_unexpected_not_python_errors() -> None:
    answer = parse(raw(b'{"job_id": true, "state": "RUNNING", "tasks": {"a": 1}, '
                       b'"run_id": "12", "experiment_id": "1 OR 1", "settings": {"name": [5]}}'),
                   CTX)  # fmt: skip
    problems = {
        "the field 'job_id' should be an ID, not a boolean": lambda: answer.id("job_id"),
        "the field 'state' should be an object, not a string": lambda: answer.obj("state"),
        "the field 'tasks' should be a list, not an object": lambda: answer.objects("tasks"),
        "the field 'experiment_id' is not a usable ID": lambda: answer["experiment_id"],
        "the field 'missing' is missing": lambda: answer["missing"],
        "the field 'settings.name' should be a string, not a list": lambda: answer[
            "settings"
        ].text("name"),
    }
    for problem, read in problems.items():
        with pytest.raises(UnexpectedAnswer) as info:
            read()
        assert problem in info.value.message
    assert answer.id("run_id", integer=True) == "12"
