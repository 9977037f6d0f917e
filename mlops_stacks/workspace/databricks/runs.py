"""Job runs on Databricks: run-now, poll ``runs/get``, and map the answer onto ``RunRecord``.

Databricks reports a run (and each task) as a life cycle state plus, once it
ends, a result state. We map them onto the runner's states so ``run`` shows
the same thing for local and remote runs:

    PENDING, QUEUED, BLOCKED, WAITING_FOR_RETRY        -> PENDING
    RUNNING, TERMINATING                               -> RUNNING
    result SUCCESS, SUCCESS_WITH_FAILURES              -> SUCCESS
    result UPSTREAM_FAILED, UPSTREAM_CANCELED          -> SKIPPED
    result EXCLUDED                                    -> EXCLUDED
    result CANCELED                                    -> CANCELED
    any other result (FAILED, TIMEDOUT, ...)           -> FAILED
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mlops_stacks.errors import RunError
from mlops_stacks.jsontypes import JsonObject, JsonValue
from mlops_stacks.runner import events
from mlops_stacks.runner.record import (
    CANCELED,
    EXCLUDED,
    FAILED,
    PENDING,
    RUNNING,
    SKIPPED,
    SUCCESS,
    TERMINAL_STATES,
    RunRecord,
    TaskRecord,
)
from mlops_stacks.workspace.databricks.answers import Answer
from mlops_stacks.workspace.databricks.auth import Connection
from mlops_stacks.workspace.databricks.errors import NotFoundError
from mlops_stacks.workspace.databricks.http import printable, shorten
from mlops_stacks.workspace.databricks.resources import JOBS_API

_PENDING_LIFE = {"PENDING", "QUEUED", "BLOCKED", "WAITING_FOR_RETRY"}
_RUNNING_LIFE = {"RUNNING", "TERMINATING"}
_TASK_TYPES = (
    "notebook_task", "spark_python_task", "python_wheel_task", "run_job_task", "condition_task",
    "sql_task", "spark_jar_task", "pipeline_task", "dbt_task", "for_each_task",
)  # fmt: skip


@dataclass
class DatabricksRunRecord(RunRecord):
    """A ``RunRecord`` that also knows the run's page in the workspace UI."""

    url: str | None = None
    job_id: str | None = None


def map_state(state: Answer) -> str:
    life = state.text("life_cycle_state")
    result = state.text("result_state")
    if result:
        if result in ("SUCCESS", "SUCCESS_WITH_FAILURES"):
            return SUCCESS
        if result in ("UPSTREAM_FAILED", "UPSTREAM_CANCELED"):
            return SKIPPED
        if result == "EXCLUDED":
            return EXCLUDED
        if result in ("CANCELED", "CANCELLED"):
            return CANCELED
        return FAILED
    if life in _PENDING_LIFE or not life:
        return PENDING
    if life in _RUNNING_LIFE:
        return RUNNING
    if life == "SKIPPED":
        return SKIPPED
    return FAILED  # TERMINATED without result, INTERNAL_ERROR


def _seconds(data: Answer, key: str) -> float | None:
    millis = data.number(key)
    return millis / 1000 if millis else None


def to_record(
    data: Answer, job_key: str, kinds: Mapping[str, str] | None = None
) -> DatabricksRunRecord:
    """The run as a record; ``kinds`` maps task keys to task types when the caller knows them.

    Every field is read through ``Answer``'s checks: a malformed answer (a task
    ``state`` that is a string, no ``run_id``) is an ``UnexpectedAnswer``.
    """
    kinds = kinds or {}
    tasks: dict[str, TaskRecord] = {}
    for t in data.objects("tasks"):
        key = t.id("task_key")
        kind = kinds.get(key) or next((k for k in _TASK_TYPES if k in t), "task")
        state = t.obj("state")
        rec = TaskRecord(key=key, kind=kind, state=map_state(state))
        rec.start_time = _seconds(t, "start_time")
        rec.end_time = _seconds(t, "end_time")
        if rec.state in (FAILED, SKIPPED, CANCELED) and state.text("state_message"):
            rec.error = shorten(state.text("state_message"))
        tasks[key] = rec
    run_state = data.obj("state")
    params = {
        p.text("name"): p.text("value", p.text("default"))
        for p in data.objects("job_parameters")
    }
    record = DatabricksRunRecord(
        run_id=data.id("run_id", integer=True),
        job_key=job_key,
        state=map_state(run_state),
        start_time=_seconds(data, "start_time"),
        end_time=_seconds(data, "end_time"),
        tasks=tasks,
        params=params,
        url=printable(data.text("run_page_url")) or None,
        job_id=data.id("job_id", integer=True) if data.get("job_id") is not None else None,
    )
    if record.state == FAILED:
        record.error = shorten(run_state.text("state_message")) or None
    return record


class Runs:
    """Start, follow and look up job runs of one workspace."""

    def __init__(self, conn: Connection, poll_interval: float = 5.0) -> None:
        self.conn = conn
        self.poll_interval = poll_interval

    def start(
        self, job_id: str, key: str, params: Mapping[str, str] | None, only: list[str] | None
    ) -> str:
        # The token makes the start safe to repeat after a lost answer: the workspace
        # answers a repeat with the run it already started.
        body: JsonObject = {"job_id": int(job_id), "idempotency_token": secrets.token_hex(16)}
        if params:
            body["job_parameters"] = {str(k): str(v) for k, v in params.items()}
        if only:
            body["only"] = list(only)
        try:
            res = self.conn.call(
                "POST",
                f"{JOBS_API}/run-now",
                body=body,
                what=f"start job '{key}'",
            )
        except NotFoundError:
            raise RunError(
                f"Job '{key}' ({job_id}) no longer exists on {self.conn.host}.",
                hint="Deploy again (`mlops-stacks deploy`) to recreate it.",
            ) from None
        return res.id("run_id", integer=True)

    def get(self, run_id: str, key: str = "") -> DatabricksRunRecord:
        try:
            data = self.conn.call(
                "GET", f"{JOBS_API}/runs/get", query={"run_id": run_id}, what=f"read run {run_id}"
            )
        except NotFoundError:
            raise RunError(f"No run {run_id} on {self.conn.host}.") from None
        except Exception as err:
            if "does not exist" in str(err):
                raise RunError(f"No run {run_id} on {self.conn.host}.") from None
            raise
        return to_record(data, key or data.text("job_id"))

    def cancel(self, run_id: str) -> None:
        """``POST jobs/runs/cancel``: the workspace cancels the run asynchronously."""
        try:
            rid = int(run_id)
        except ValueError:
            raise RunError(f"No run {run_id} on {self.conn.host}: run IDs are numbers.") from None
        try:
            self.conn.call(
                "POST", f"{JOBS_API}/runs/cancel", body={"run_id": rid},
                what=f"cancel run {run_id}", idempotent=True,
            )
        except NotFoundError:
            raise RunError(f"No run {run_id} on {self.conn.host}.") from None

    def time_limit(
        self, timeout: float | None, job_timeout: JsonValue
    ) -> tuple[float, str] | None:
        """How long ``follow`` waits: ``timeout`` (``run --timeout``), or the job's
        ``timeout_seconds`` plus ten polls for the workspace to end the run, whichever
        is shorter; ``None`` waits until the run ends."""
        limits: list[tuple[float, str]] = []
        if timeout:
            limits.append((float(timeout), "--timeout"))
        try:
            job_limit = float(job_timeout or 0)
        except (TypeError, ValueError):
            job_limit = 0.0
        if job_limit > 0:
            limits.append((job_limit + 10 * self.poll_interval, "the job's timeout_seconds"))
        return min(limits) if limits else None

    def follow(
        self,
        run_id: str,
        key: str,
        on_event: Callable[[events.RunEvent], None] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        time_limit: tuple[float, str] | None = None,
    ) -> DatabricksRunRecord:
        """Poll until the run ends, reporting task state changes to ``on_event``.

        Each poll gets the whole HTTP deadline (waiting for a run is bounded by
        ``time_limit``, not by it). Past ``time_limit`` it stops waiting with a
        ``RunError``; the run itself goes on in the workspace.
        """
        seen: dict[str, str] = {}
        started = False
        begin = time.monotonic()
        while True:
            self.conn.deadline.restart()
            record = self.get(run_id, key)
            if on_event is not None:
                if not started:
                    on_event(events.RunEvent(events.RUN_STARTED, record))
                    started = True
                for task in record.tasks.values():
                    before = seen.get(task.key, PENDING)
                    if task.state == before:
                        continue
                    if task.state == RUNNING or (
                        task.state in TERMINAL_STATES
                        and before == PENDING
                        and task.state in (SUCCESS, FAILED)
                    ):
                        on_event(events.RunEvent(events.TASK_STARTED, record, task.key, RUNNING))
                    if task.state in TERMINAL_STATES:
                        on_event(
                            events.RunEvent(
                                events.TASK_FINISHED, record, task.key, task.state, task.error
                            )
                        )
                    seen[task.key] = task.state
            if record.done:
                if on_event is not None:
                    on_event(events.RunEvent(events.RUN_FINISHED, record, state=record.state))
                return record
            if time_limit is not None and time.monotonic() - begin >= time_limit[0]:
                seconds, source = time_limit
                where = f" ({record.url})" if record.url else ""
                raise RunError(
                    f"Stopped waiting for run {run_id} of {key} after {seconds:g} s ({source}): "
                    f"the workspace still reports it {record.state}.",
                    hint=f"It may still be running on {self.conn.host}{where}; cancel it there "
                    f"if it should not go on, or follow it with `mlops-stacks runs get {run_id}`.",
                )
            sleep(self.poll_interval)

    def list(self, job_id: str, key: str, limit: int = 25) -> list[DatabricksRunRecord]:
        try:
            data = self.conn.call(
                "GET", f"{JOBS_API}/runs/list", query={"job_id": job_id, "limit": limit},
                what=f"list runs of job '{key}'",
            )  # fmt: skip
        except NotFoundError:
            return []
        return [to_record(r, key) for r in data.objects("runs")]
