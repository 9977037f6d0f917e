"""Authentication to a Databricks workspace through databricks-sdk's unified configuration.

Where credentials come from, in the SDK's order:

- arguments: ``workspace.host`` / ``workspace.profile`` from the bundle, ``-p/--profile``;
- environment: ``DATABRICKS_HOST`` + ``DATABRICKS_TOKEN`` (personal access token),
  ``DATABRICKS_CLIENT_ID`` + ``DATABRICKS_CLIENT_SECRET`` (OAuth M2M),
  ``ARM_CLIENT_ID`` + ``ARM_CLIENT_SECRET`` + ``ARM_TENANT_ID`` (Azure service principal);
- a profile in ``~/.databrickscfg`` (or ``DATABRICKS_CONFIG_FILE``): the named one, or
  the only profile whose host matches the bundle's host (``profiles.py``).

``connect`` returns a ``Connection`` (the SDK's configuration plus our retry policy and
the description of the credential source used in error messages; a token from the
environment alone is sent without the SDK, as its ``pat`` strategy would:
``token_auth.py``). ``current_user``
resolves ``${workspace.current_user.*}`` for the bundle loader.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from mlops_stacks.errors import AuthError
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.workspace.databricks.answers import Answer, parse
from mlops_stacks.workspace.databricks.errors import (
    SIGN_IN_NO_ANSWER,
    AuthFailure,
    Context,
    RetryPolicy,
    call_with_retries,
    convert,
    redact,
)
from mlops_stacks.workspace.databricks.http import (
    CommandSettings,
    Deadline,
    command_settings,
    send,
    shorten,
)
from mlops_stacks.workspace.databricks.profiles import (
    config_file_path,
    describe_source,
    env_auth_present,
    normalize_host,
    profile_for_host,
    profile_host,
)
from mlops_stacks.workspace.databricks.sdk_import import defer_package_init
from mlops_stacks.workspace.databricks.token_auth import TokenConfig, token_config

if TYPE_CHECKING:
    import requests
    from databricks.sdk.clock import Clock
    from databricks.sdk.config import Config

#: Environment knobs for the HTTP behaviour (tests and slow networks).
ENV_RETRIES = "MLOPS_STACKS_DATABRICKS_RETRIES"
ENV_RETRY_DELAY = "MLOPS_STACKS_DATABRICKS_RETRY_DELAY"
ENV_HTTP_TIMEOUT = "MLOPS_STACKS_DATABRICKS_HTTP_TIMEOUT"
ENV_POLL_INTERVAL = "MLOPS_STACKS_DATABRICKS_POLL_INTERVAL"

_SECRET_ENV = (
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_SECRET",
    "DATABRICKS_PASSWORD",
    "ARM_CLIENT_SECRET",
    "GOOGLE_CREDENTIALS",
)


class SingleAttemptClock:
    """A clock that ends the SDK's own retry loop after one attempt.

    REST calls go through ``Connection.call``; the SDK only configures and
    authenticates, and may probe the host while doing so. Its retry loop checks
    the clock after each failed attempt: sleeping on this clock jumps past any
    deadline, so the SDK gives up at once and our deadline and retries decide.
    """

    def __init__(self) -> None:
        import time

        self._now = time.time()

    def time(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self._now += 10**9


def retry_policy_from_env(env: dict[str, str] | None = None) -> RetryPolicy:
    """The retry policy, adjustable with MLOPS_STACKS_DATABRICKS_RETRIES / _RETRY_DELAY."""
    env = dict(os.environ if env is None else env)
    policy = RetryPolicy()
    try:
        attempts = int(env.get(ENV_RETRIES, policy.attempts))
        delay = float(env.get(ENV_RETRY_DELAY, policy.base_delay))
    except ValueError:
        return policy
    return RetryPolicy(attempts=max(1, attempts), base_delay=max(0.0, delay))


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass
class Connection:
    """An authenticated session with one workspace, with our error handling around it.

    The SDK's configuration authenticates each request (``cfg.authenticate``);
    ``http.send`` makes it, bounded by the command's deadline and the answer
    size cap; ``answers.parse`` checks what came back.
    """

    cfg: Config | TokenConfig
    session: requests.Session
    host: str
    ctx: Context
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    settings: CommandSettings = field(default_factory=command_settings)
    timeout: float = 60.0
    """Seconds one request may wait for the server (cut to what is left of the deadline)."""

    @property
    def deadline(self) -> Deadline:
        return self.settings.deadline

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: JsonObject | None = None,
        query: JsonObject | None = None,
        idempotent: bool = True,
        reconcile: Callable[[], Answer | None] | None = None,
    ) -> Answer:
        """One REST call, retried when transient, errors converted to ours, answer checked.

        ``idempotent=False``: see ``errors.call_with_retries`` (``reconcile`` finds what a
        request whose answer was lost did)."""

        def attempt() -> Answer:
            raw = send(
                self.session, method, f"{self.host}{path}", path,
                deadline=self.settings.deadline, timeout=self.timeout,
                max_bytes=self.settings.max_answer, query=query, body=body,
            )  # fmt: skip
            return parse(raw, self.ctx)

        with self.settings.deadline.running():
            return call_with_retries(
                attempt, what, self.ctx, self.policy, idempotent=idempotent,
                reconcile=reconcile, settings=self.settings,
            )  # fmt: skip


def _session(cfg: Config | TokenConfig, settings: CommandSettings,
             timeout: float) -> requests.Session:
    """A requests session whose requests carry the credentials."""
    import requests

    def authenticate(request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(cfg.authenticate() if isinstance(cfg, TokenConfig)
                               else _bounded_credentials(cfg, settings, timeout))
        return request

    session = requests.Session()
    # Deploys send up to --parallelism requests at once: keep that many connections open.
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=64)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.auth = authenticate
    session.headers["User-Agent"] = str(getattr(cfg, "user_agent", "") or "mlops-stacks")
    _environment_once(session, str(cfg.host or ""))
    return session


def _environment_once(session: requests.Session, host: str) -> None:
    """Read the proxy and CA-bundle settings of the environment (``HTTPS_PROXY``,
    ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``...) once, for the one host the session talks to,
    as requests would at each request: a sync of 500 files sends 500 requests, and
    requests' per-request look-up walks the whole environment twice each time."""
    import requests.utils

    session.proxies.update(requests.utils.get_environ_proxies(host) if host else {})
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False


def _bounded_credentials(cfg: Config, settings: CommandSettings, timeout: float) -> dict[str, str]:
    """``cfg.authenticate()`` within the deadline: an OAuth token fetch by the SDK has no
    timeout of its own, so it runs in a thread we stop waiting for."""
    import threading

    import requests

    out: JsonObject = {}

    def fetch() -> None:
        try:
            out["headers"] = cfg.authenticate()
        except Exception as err:  # handed over to the caller below
            out["error"] = err

    worker = threading.Thread(target=fetch, name="mlops-stacks-auth", daemon=True)
    worker.start()
    worker.join(max(0.001, min(timeout, settings.deadline.remaining())))
    if worker.is_alive():
        raise requests.exceptions.ConnectTimeout(SIGN_IN_NO_ANSWER)
    err = out.get("error")
    if isinstance(err, requests.RequestException):
        raise err  # network trouble reaching the token endpoint: retried like any other
    if err is not None:
        raise AuthFailure(str(err)) from err
    return dict(out.get("headers") or {})


def _quiet_sdk_logging() -> None:
    """The SDK logs warnings (e.g. host metadata probes); keep them out of user output."""
    logger = logging.getLogger("databricks.sdk")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = bool(os.environ.get("MLOPS_STACKS_DEBUG"))


def _secrets(cfg: Any) -> tuple[str, ...]:
    values = [os.environ.get(k, "") for k in _SECRET_ENV]
    for attr in ("token", "client_secret", "azure_client_secret", "password"):
        values.append(str(getattr(cfg, attr, "") or ""))
    return tuple(v for v in values if v)


def connect(host: str, profile: str | None = None) -> Connection:
    """An authenticated connection to ``host`` (bundle ``workspace.host``) or ``profile``.

    Raises ``AuthError`` naming the host, the credential source and the fix when
    no credentials can be found. Within a CLI command (``http.start_command``) the
    connection is made once and shared by every caller.
    """
    host = normalize_host(host) if host else ""
    if not profile and host and not env_auth_present():
        profile = profile_for_host(host)
    settings = command_settings()
    made = settings.connections.get((host, profile))
    if made is None:
        made = settings.connections[(host, profile)] = _connect(host, profile, settings)
    return made


def _connect(host: str, profile: str | None, settings: CommandSettings) -> Connection:
    timeout = env_float(ENV_HTTP_TIMEOUT, 60.0)
    cfg = token_config(host, profile) or _sdk_config(host, profile, settings, timeout)
    resolved_host = (cfg.host or host or "").rstrip("/")
    its_host = profile_host(profile) if profile else None
    if host and its_host and normalize_host(its_host) != host:
        raise AuthError(
            f"Profile '{profile}' is for {its_host}, but the bundle deploys to {host}.",
            hint="Pick the profile for this workspace with -p/--profile, or fix workspace.host.",
        )
    ctx = Context(
        host=resolved_host,
        credential_source=describe_source(cfg.auth_type or "", profile if cfg.profile else None),
        secrets=_secrets(cfg),
    )
    return Connection(
        cfg=cfg, session=_session(cfg, settings, timeout), host=resolved_host, ctx=ctx,
        policy=retry_policy_from_env(), settings=settings, timeout=timeout,
    )  # fmt: skip


def _sdk_config(host: str, profile: str | None, settings: CommandSettings,
                timeout: float) -> Config:
    """databricks-sdk's unified configuration for ``host`` / ``profile``; ``AuthError``
    when it finds no usable credentials."""
    _quiet_sdk_logging()
    defer_package_init()
    from databricks.sdk.config import Config

    kwargs: dict[str, Any] = {
        # The SDK probes the host while configuring (best effort: it carries on without an
        # answer); keep that short and within the deadline.
        "http_timeout_seconds": max(0.001, min(timeout, 10.0, settings.deadline.remaining())),
        "retry_timeout_seconds": 1,
    }
    if host:
        kwargs["host"] = host
    if profile:
        kwargs["profile"] = profile
    secrets = tuple(v for v in (os.environ.get(k, "") for k in _SECRET_ENV) if v)
    label = host or (f"profile '{profile}'" if profile else "the Databricks workspace")
    try:
        with settings.deadline.running():
            # Duck-typed: subclassing the SDK's Clock would import the SDK with this module.
            cfg = Config(clock=cast("Clock", SingleAttemptClock()), **kwargs)
    except ValueError as err:
        message = shorten(_short_sdk_message(redact(str(err), secrets)))
        raise AuthError(
            f"Cannot authenticate to {label}: {message}",
            hint=_no_credentials_hint(host, profile, message),
        ) from None
    except Exception as err:  # e.g. network failures while discovering OAuth endpoints
        raise convert(
            err, f"authenticate to {label}", Context(host=label, secrets=secrets)
        ) from None
    return cfg


def _short_sdk_message(message: str) -> str:
    # The SDK appends "Config: ... Env: ..." debug info; keep the first sentence or two.
    message = message.split(". Config:")[0].split(". Env:")[0].strip()
    # urllib3's connection errors ("HTTPSConnectionPool(host=...): Max retries ...
    # NameResolutionError(...)") say in plain words what went wrong.
    pool = re.search(r"HTTPS?ConnectionPool\(host='([^']+)'.*", message, flags=re.S)
    if pool:
        host, rest = pool.group(1), pool.group(0)
        if "NameResolutionError" in rest or "Name or service not known" in rest:
            why = f"the name {host} does not resolve (is workspace.host right?)"
        elif "timed out" in rest.lower() or "Timeout" in rest:
            why = f"{host} did not answer in time"
        else:
            why = f"cannot connect to {host}"
        message = message[:pool.start()] + why
    return message


def _no_credentials_hint(host: str, profile: str | None, message: str = "") -> str:
    if "more than one authorization method" in message:
        return (
            "Keep one way to sign in and unset the other: unset DATABRICKS_TOKEN to use the "
            "service principal (DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET), or unset "
            "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET to use the token (also check "
            f"the profile in {config_file_path()}). Or choose one with DATABRICKS_AUTH_TYPE "
            "(pat or oauth-m2m)."
        )
    if profile:
        return (
            f"Check profile '{profile}' in {config_file_path()} (host and token or client "
            "id/secret), or run `databricks auth login --profile "
            f"{profile}`."
        )
    target = host or "<workspace-url>"
    return (
        f"Set DATABRICKS_TOKEN (with DATABRICKS_HOST={target}), or "
        "DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET for a service principal, "
        "or ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID on Azure, or add a profile for "
        f"{target} to {config_file_path()} and pass -p/--profile."
    )


def me(conn: Connection) -> JsonObject:
    """The authenticated identity (SCIM Me), shaped for ``${workspace.current_user.*}``."""
    data = conn.call("GET", "/api/2.0/preview/scim/v2/Me", what="look up the current user")
    user_name = data.text("userName")
    if not user_name:
        raise AuthError(
            f"{conn.host} returned no user name for the current identity.",
            hint="Use credentials of a user or service principal with workspace access.",
        )
    if not _usable_user_name(user_name):
        # It becomes part of the deploy root path (/Workspace/Users/<userName>/.bundle/...).
        raise data.unexpected(
            "the user name is not one a workspace gives (path separators, '..' or control "
            "characters); it would become part of the deploy path"
        )
    result: JsonObject = {k: v for k, v in data.items() if k not in ("schemas",)}
    result["userName"] = user_name
    from mlops_stacks.bundle.users import short_name

    result["short_name"] = short_name(user_name)
    result.setdefault("displayName", user_name)
    return result


def _usable_user_name(name: str) -> bool:
    """A user name (an email or a service principal's application ID) safe in a path."""
    from mlops_stacks.workspace.databricks.http import printable

    return (
        len(name) <= 256
        and name not in (".", "..")
        and not any(sep in name for sep in ("/", "\\"))
        and printable(name) == name
        and name.strip() == name
    )


def current_user(host: str, profile: str | None = None) -> JsonObject | None:
    """The identity behind the credentials for ``host``; ``None`` for ``local``.

    Shaped for ``${workspace.current_user.*}``: ``userName``, ``short_name``,
    ``id``, ``displayName``, ...

    Raises ``AuthError`` (exit 1) when credentials are missing or rejected.
    """
    if not host or host == "local":
        return None
    return me(connect(host, profile))
