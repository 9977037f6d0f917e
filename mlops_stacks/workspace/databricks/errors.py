"""Convert HTTP, network and SDK errors into mlops-stacks errors, and retry what is transient.

Every REST call of the Databricks backend goes through ``call_with_retries``:

    error of one attempt
      ├── 401, 403, bad credentials  -> AuthError   (host, credential source, how to fix)
      ├── 404 / RESOURCE_DOES_NOT_EXIST -> NotFoundError (callers decide: gone, recreate, ...)
      ├── 429, 5xx, connection errors -> retried with exponential backoff (each retry is
      │                                  reported as it happens), then WorkspaceError;
      │                                  but see "requests that are not idempotent" below
      ├── the command's deadline ran out -> DeadlineExceeded (http.py), never retried
      ├── an answer over the size cap  -> WorkspaceError, never retried
      └── anything else               -> WorkspaceError (what was attempted, the server's message)

Requests that are not idempotent (``idempotent=False``: a job create, a run-now)
are only retried when the failure proves the workspace did nothing: a connection
that never opened (refused, DNS, TLS handshake, connect timeout), 429 or 503. When
the request was sent and its answer lost (the connection dropped, a read timeout,
500/502/504), it may have been applied, so a blind retry could make a duplicate.
Then the caller's ``reconcile`` looks for what the request would have made (a job
by name and deployment metadata): found, it is the answer; surely not there, the
request is sent again. Without ``reconcile`` the call fails with ``MaybeApplied``,
which says so and how to check. A create whose identity the workspace keeps unique
(an experiment name, a workspace path) is idempotent in this sense: a repeat ends
in 409, and the caller adopts the resource.

Unexpected answers (not JSON, missing fields: ``answers.py``) are ``WorkspaceError``s
already and pass through. The SDK is only used to authenticate (``auth.py``);
its errors from that step are converted here too. Server text in messages is
escaped and cut short (``http.shorten``), and never contains credentials:
``redact`` removes every known secret from any text we surface.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from mlops_stacks.errors import CONVERGES, AuthError, WorkspaceError
from mlops_stacks.workspace.databricks.answers import HttpError, UnexpectedAnswer
from mlops_stacks.workspace.databricks.http import (
    AnswerTooLarge,
    CommandSettings,
    Context,
    Deadline,
    DeadlineExceeded,
    command_settings,
    redact,
    shorten,
)
from mlops_stacks.workspace.databricks.sdk_import import defer_package_init

__all__ = [
    "ConflictError", "Context", "DeadlineExceeded", "MaybeApplied", "NotFoundError",
    "RetryPolicy", "UnexpectedAnswer", "call_with_retries", "convert", "redact", "retryable",
    "surely_not_sent",
]  # fmt: skip

log = logging.getLogger("mlops_stacks.databricks")

T = TypeVar("T")

#: HTTP statuses worth another attempt: throttling and server-side trouble.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Statuses after which the server surely did nothing: safe to retry even a create.
NOT_APPLIED_STATUSES = frozenset({429, 503})


class NotFoundError(WorkspaceError):
    """The workspace says the object does not exist (HTTP 404 / RESOURCE_DOES_NOT_EXIST)."""


class ConflictError(WorkspaceError):
    """The object already exists (RESOURCE_ALREADY_EXISTS / 409)."""


class MaybeApplied(WorkspaceError):
    """A request that is not idempotent was sent, but its answer was lost: the workspace
    may have applied it, so it was not repeated."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient failures are retried."""

    attempts: int = 6
    """Total attempts per call (1 = no retry)."""
    base_delay: float = 1.0
    """Delay before the second attempt, in seconds; doubles each time."""
    max_delay: float = 20.0
    """Upper bound of a single delay."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), with jitter."""
        base = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(base) * (0.75 + random.random() * 0.5)


def http_status(err: BaseException) -> int | None:
    """The HTTP status behind an error, if it can be told."""
    if isinstance(err, HttpError):
        return err.status
    defer_package_init()
    from databricks.sdk.errors import platform

    table: list[tuple[type, int]] = [
        (platform.Unauthenticated, 401),
        (platform.PermissionDenied, 403),
        (platform.NotFound, 404),
        (platform.ResourceConflict, 409),
        (platform.TooManyRequests, 429),
        (platform.TemporarilyUnavailable, 503),
        (platform.NotImplemented, 501),
        (platform.InternalError, 500),
        (platform.DeadlineExceeded, 504),
        (platform.BadRequest, 400),
    ]
    for cls, status in table:
        if isinstance(err, cls):
            return status
    return None


def _unwrap(err: BaseException) -> BaseException:
    """The SDK wraps the last error of its retry loop in TimeoutError/RuntimeError."""
    defer_package_init()
    from databricks.sdk.errors.base import DatabricksError

    seen = 0
    while (
        not isinstance(err, (DatabricksError, HttpError))
        and isinstance(err, (TimeoutError, RuntimeError))
        and err.__cause__ is not None
        and seen < 5
    ):
        err = err.__cause__
        seen += 1
    return err


def _is_network_error(err: BaseException) -> bool:
    import requests

    return isinstance(err, (requests.ConnectionError, requests.Timeout))


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and what it wraps (urllib3 keeps the cause in ``reason`` and ``args``)."""
    todo, seen = [err], 0
    while todo and seen < 12:
        cur = todo.pop()
        seen += 1
        yield cur
        nxt = [getattr(cur, "reason", None), cur.__cause__, cur.__context__]
        nxt += [a for a in cur.args if isinstance(a, BaseException)]
        todo.extend(e for e in nxt if isinstance(e, BaseException))


def surely_not_sent(err: BaseException) -> bool:
    """Whether a network error happened before the request could reach the server: the
    connection was refused, the name did not resolve, the TLS handshake or the connect
    timed out or failed. A dropped connection or a read timeout may follow a request the
    server received and applied."""
    import requests
    import urllib3

    err = _unwrap(err)
    if isinstance(err, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    if isinstance(err, requests.Timeout) or not isinstance(err, requests.ConnectionError):
        return False
    never_opened = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
                    urllib3.exceptions.SSLError, ConnectionRefusedError)  # fmt: skip
    return any(isinstance(cause, never_opened) for cause in _causes(err))


def _error_code(err: BaseException) -> str:
    code = err.code if isinstance(err, HttpError) else getattr(err, "error_code", None)
    return code if isinstance(code, str) else ""


def _server_text(err: BaseException, ctx: Context) -> str:
    text = err.message if isinstance(err, HttpError) else (str(err) or type(err).__name__)
    return shorten(redact(text, ctx.secrets))


#: What auth.py raises (as a ConnectTimeout: safe to retry) when a token fetch hangs.
SIGN_IN_NO_ANSWER = "no answer from the sign-in (token) endpoint"


def describe(err: BaseException, ctx: Context) -> str:
    """A short, safe description of one failed attempt (for retry reports)."""
    err = _unwrap(err)
    if isinstance(err, HttpError):
        return shorten(redact(f"{err.status} {err.code} {err.message}".strip(), ctx.secrets), 160)
    import requests

    if isinstance(err, requests.ConnectTimeout):
        # auth.py bounds the SDK's token fetch; nothing reached the API, but it did connect.
        if SIGN_IN_NO_ANSWER in str(err):
            return "no answer in time from the sign-in endpoint"
        return "cannot connect in time"
    if isinstance(err, requests.Timeout):
        return "no answer in time"
    if isinstance(err, requests.ConnectionError):
        if surely_not_sent(err):
            return "cannot connect"
        return "the connection dropped before the answer"
    return shorten(redact(f"{type(err).__name__}: {err}", ctx.secrets), 160)


def convert(err: BaseException, what: str, ctx: Context) -> WorkspaceError:
    """Our error for a failed call; ``what`` says what we tried (``create job 'x'``)."""
    defer_package_init()
    from databricks.sdk.errors.base import DatabricksError

    err = _unwrap(err)
    if isinstance(err, WorkspaceError):
        return err
    if isinstance(err, AnswerTooLarge):
        return WorkspaceError(
            f"Could not {what} on {ctx.host}: {err} (the answer was not read further).",
            hint="A Databricks workspace does not send answers this large; check workspace.host "
            "(DATABRICKS_HOST) and your proxy. To accept larger answers, set "
            "MLOPS_STACKS_DATABRICKS_MAX_ANSWER_MB.",
        )
    if isinstance(err, (DatabricksError, HttpError)):
        raw = _server_text(err, ctx)
        status = http_status(err)
        code = _error_code(err)
        if status in (401, 403):
            verb = "rejected the credentials" if status == 401 else "denied permission"
            return AuthError(
                f"{ctx.host} {verb} ({status}) while trying to {what}: {raw}\n"
                f"Credentials used: {ctx.credential_source}.",
                hint=_auth_hint(status, ctx),
            )
        if status == 404 or code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            return NotFoundError(f"Could not {what} on {ctx.host}: it does not exist ({raw}).")
        if status == 409 or code in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
            return ConflictError(f"Could not {what} on {ctx.host}: it already exists ({raw}).")
        if status in RETRYABLE_STATUSES:
            return WorkspaceError(
                f"Could not {what} on {ctx.host}: the workspace answered {status} ({raw}).",
                hint=f"The workspace may be overloaded or down; try again later. {CONVERGES}",
            )
        label = f"{status} {code}".strip() if status else code or "error"
        return WorkspaceError(f"Could not {what} on {ctx.host}: {label}: {raw}",
                              hint=_refused_hint(what))
    if _is_network_error(err):
        import requests

        hint = ("Check workspace.host in databricks.yml (or DATABRICKS_HOST), your network "
                "and proxy settings.")
        if isinstance(err, requests.Timeout) and not isinstance(err, requests.ConnectTimeout):
            problem = "no answer in time"
        elif surely_not_sent(err):
            problem = "cannot reach it"
        else:
            problem = "the connection dropped before the answer"
            hint = ("The workspace, or a proxy on the way, closed the connection after the "
                    "request was sent. Running the command again converges: deployment state "
                    "records what was applied, and creates adopt what exists.")
        return WorkspaceError(
            f"Could not {what} on {ctx.host}: {problem} ({type(err).__name__}).", hint=hint
        )
    if isinstance(err, AuthFailure):
        return AuthError(
            f"Cannot authenticate to {ctx.host}: {shorten(redact(str(err), ctx.secrets))}",
            hint=_auth_hint(401, ctx),
        )
    return WorkspaceError(
        f"Could not {what} on {ctx.host}: {type(err).__name__}: {_server_text(err, ctx)}"
    )


def _refused_hint(what: str) -> str:
    """What to do when the workspace refuses a call (its message says why)."""
    if what.startswith("delete "):
        # The configuration is not the cause: validate would not help.
        return ("The workspace refused the deletion for the reason above: fix that (or delete "
                "the resource in the workspace), then run the command again.")
    return "Check the resource configuration in the bundle; run `mlops-stacks validate`."


class AuthFailure(Exception):
    """The SDK could not produce credentials for a request (e.g. an OAuth token fetch failed)."""


def _auth_hint(status: int, ctx: Context) -> str:
    if status == 403:
        return (
            f"The identity behind {ctx.credential_source} lacks a permission this operation "
            "needs; ask a workspace admin to grant it, or use credentials that have it."
        )
    return (
        f"Fix the credentials for {ctx.host}: set DATABRICKS_TOKEN to a valid personal access "
        "token (or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET for a service principal), "
        "or pick a ~/.databrickscfg profile with -p/--profile (workspace.profile in "
        "databricks.yml); `databricks auth login --host <host>` creates one."
    )


def retryable(err: BaseException, *, applied_possible: bool) -> bool:
    """Whether another attempt may help and is safe.

    ``applied_possible`` says a repeat does no harm even if the failed attempt was
    applied (the request is idempotent). When it is False (a create, a run-now), only
    failures that prove nothing was applied count: 429, 503, a connection that never
    opened. A request that was sent and got no answer is then not retried blindly
    (``call_with_retries`` reconciles it or fails with ``MaybeApplied``).
    """
    defer_package_init()
    from databricks.sdk.errors.base import DatabricksError

    err = _unwrap(err)
    if isinstance(err, (DatabricksError, HttpError)):
        status = http_status(err)
        allowed = RETRYABLE_STATUSES if applied_possible else NOT_APPLIED_STATUSES
        return status in allowed
    if not _is_network_error(err):
        return False
    return applied_possible or surely_not_sent(err)


def maybe_applied(err: BaseException) -> bool:
    """A transient failure after which the workspace may have applied the request."""
    return retryable(err, applied_possible=True) and not retryable(err, applied_possible=False)


def call_with_retries(
    fn: Callable[[], T],
    what: str,
    ctx: Context,
    policy: RetryPolicy,
    *,
    idempotent: bool = True,
    reconcile: Callable[[], T | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    settings: CommandSettings | None = None,
) -> T:
    """Run ``fn``, retrying transient failures per ``policy``; raise our errors, never the SDK's.

    ``idempotent=False`` (creates) retries only responses that guarantee nothing
    happened (429, 503, a connection that never opened), so a retry never makes a
    duplicate. After a failure that may have been applied (sent, no answer), it calls
    ``reconcile``: what it finds is the result; None means the request was not applied,
    and it is sent again. Without ``reconcile`` such a failure raises ``MaybeApplied``.
    Each retry is reported (``settings.report``) before its pause; the command's
    deadline bounds attempts and pauses together.
    """
    settings = settings or command_settings()
    deadline: Deadline = settings.deadline
    attempt = 1
    while True:
        settings.limiter.wait(deadline.remaining)  # a 429 of any worker holds them all
        if deadline.remaining() <= 0:
            raise deadline.exceeded(what, ctx.host)
        try:
            return fn()
        except Exception as err:  # converted below; nothing from the SDK escapes
            if isinstance(err, WorkspaceError):
                raise
            problem = describe(err, ctx)
            if deadline.remaining() <= 0:
                raise deadline.exceeded(what, ctx.host, problem) from None
            unsure = not idempotent and maybe_applied(err)
            if unsure and reconcile is None:
                raise _maybe_applied(what, ctx, problem) from None
            if unsure and reconcile is not None:
                settings.report(
                    f"{ctx.host}: the request to {what} was sent, but {problem}; "
                    "looking whether the workspace applied it."
                )
                found = reconcile()
                if found is not None:
                    settings.report(f"{ctx.host}: it did; {what}: done.")
                    return found
            again = unsure or retryable(err, applied_possible=idempotent)
            if attempt < policy.attempts and again:
                delay = policy.delay(attempt)
                after = getattr(_unwrap(err), "retry_after", None)
                if isinstance(after, (int, float)) and after > delay:
                    delay = min(float(after), policy.max_delay * 3)
                if delay >= deadline.remaining():
                    raise deadline.exceeded(what, ctx.host, problem) from None
                applied = "; it was not applied" if unsure else ""
                settings.report(
                    f"{ctx.host}: could not {what} ({problem}{applied}); retrying in "
                    f"{delay:.1f} s (attempt {attempt + 1} of {policy.attempts})."
                )
                if http_status(_unwrap(err)) in NOT_APPLIED_STATUSES:
                    settings.limiter.pause(delay)  # the workspace's limit: every worker waits
                else:
                    sleep(delay)
                attempt += 1
                continue
            converted = convert(err, what, ctx)
            if attempt > 1 and again:
                converted = WorkspaceError(
                    f"{converted.message} Gave up after {attempt} attempts.",
                    hint=converted.hint,
                )
            raise converted from None


def _maybe_applied(what: str, ctx: Context, problem: str) -> MaybeApplied:
    return MaybeApplied(
        f"Could not {what} on {ctx.host}: the request was sent, but {problem}, so the "
        "workspace may have applied it. It was not sent again, so that nothing is done twice.",
        hint=f"Look on {ctx.host} whether it happened before running the command again.",
    )
