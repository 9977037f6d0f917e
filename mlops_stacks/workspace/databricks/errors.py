"""Convert databricks-sdk and HTTP errors into mlops-stacks errors, and retry what is transient.

Every REST call of the Databricks backend goes through ``call_with_retries``:

    SDK error / network error
      ├── 401, 403, bad credentials  -> AuthError   (host, credential source, how to fix)
      ├── 404 / RESOURCE_DOES_NOT_EXIST -> NotFoundError (callers decide: gone, recreate, ...)
      ├── 429, 5xx, connection errors -> retried with exponential backoff, then
      │                                  WorkspaceError saying retries ran out
      └── anything else               -> WorkspaceError (what was attempted, the server's message)

The SDK's own retry loop is switched off (see ``auth.SingleAttemptClock``) so
that retries live in one place with one bounded policy. Messages never contain
credentials: ``redact`` removes every known secret from any text we surface.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from mlops_stacks.errors import AuthError, WorkspaceError

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
        return base * (0.75 + random.random() * 0.5)


@dataclass(frozen=True)
class Context:
    """Who we talk to, for messages: host and a description of the credentials used."""

    host: str
    credential_source: str = "unknown credentials"
    secrets: tuple[str, ...] = ()


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def http_status(err: BaseException) -> int | None:
    """The HTTP status behind an SDK error, if it can be told."""
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
    from databricks.sdk.errors import DatabricksError

    seen = 0
    while (
        not isinstance(err, DatabricksError)
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


def convert(err: BaseException, what: str, ctx: Context) -> WorkspaceError:
    """Our error for a failed call; ``what`` says what we tried (``create job 'x'``)."""
    from databricks.sdk.errors import DatabricksError

    err = _unwrap(err)
    raw = redact(str(err) or type(err).__name__, ctx.secrets)
    if isinstance(err, DatabricksError):
        status = http_status(err)
        code = getattr(err, "error_code", None) or ""
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
                hint="The workspace may be overloaded or down; try again later. "
                "Deployment state records everything applied so far, so rerunning converges.",
            )
        label = f"{status} {code}".strip() if status else code or "error"
        return WorkspaceError(
            f"Could not {what} on {ctx.host}: {label}: {raw}",
            hint="Check the resource configuration in the bundle; run `mlops-stacks validate`.",
        )
    if _is_network_error(err):
        return WorkspaceError(
            f"Could not {what}: cannot reach {ctx.host} ({type(err).__name__}).",
            hint="Check workspace.host in databricks.yml (or DATABRICKS_HOST), "
            "your network and proxy settings.",
        )
    if isinstance(err, ValueError):
        # The SDK raises ValueError for configuration problems (no credentials, bad profile).
        return AuthError(
            f"Cannot authenticate to {ctx.host}: {raw}",
            hint=_auth_hint(401, ctx),
        )
    return WorkspaceError(f"Could not {what} on {ctx.host}: {type(err).__name__}: {raw}")


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
    """Whether another attempt may help; a create is only retried when surely not applied."""
    from databricks.sdk.errors import DatabricksError

    err = _unwrap(err)
    if isinstance(err, DatabricksError):
        status = http_status(err)
        allowed = RETRYABLE_STATUSES if applied_possible else NOT_APPLIED_STATUSES
        return status in allowed
    import requests

    if isinstance(err, requests.ConnectionError) and not isinstance(err, requests.Timeout):
        return True
    return applied_possible and isinstance(err, requests.Timeout)


def call_with_retries(
    fn: Callable[[], T],
    what: str,
    ctx: Context,
    policy: RetryPolicy,
    *,
    idempotent: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``fn``, retrying transient failures per ``policy``; raise our errors, never the SDK's.

    ``idempotent=False`` (creates) retries only responses that guarantee nothing
    happened (429, 503, refused connections), so a retry never makes a duplicate.
    """
    attempt = 1
    while True:
        try:
            return fn()
        except Exception as err:  # converted below; nothing from the SDK escapes
            if isinstance(err, WorkspaceError):
                raise
            if attempt < policy.attempts and retryable(err, applied_possible=idempotent):
                delay = policy.delay(attempt)
                log.info(
                    "%s: %s; retrying in %.1fs (attempt %d of %d)",
                    what,
                    redact(str(_unwrap(err)), ctx.secrets)[:200],
                    delay,
                    attempt + 1,
                    policy.attempts,
                )
                sleep(delay)
                attempt += 1
                continue
            converted = convert(err, what, ctx)
            if attempt > 1 and retryable(err, applied_possible=idempotent):
                converted = WorkspaceError(
                    f"{converted.message} Gave up after {attempt} attempts.",
                    hint=converted.hint,
                )
            raise converted from None
