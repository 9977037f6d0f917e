"""One HTTP request to a Databricks workspace, bounded in time and in size.

Every REST call of the backend ends in ``send``. It guards against servers that
never answer, answer slowly, trickle bytes or send gigabytes:

- the command's ``Deadline`` bounds the time spent talking to the workspace,
  requests, retries and backoff together (default ``DEFAULT_DEADLINE`` seconds;
  ``--http-deadline`` or ``MLOPS_STACKS_DATABRICKS_DEADLINE``). Each request's
  connect and read timeouts are cut to what is left of it;
- the body is streamed and read up to ``max_bytes`` (default 64 MB;
  ``MLOPS_STACKS_DATABRICKS_MAX_ANSWER_MB``); a longer answer is refused, not read.
  Answers over ``LARGE_ANSWER`` are read one at a time, so concurrent requests
  never hold several capped answers at once;
- redirects are not followed: an API answering with a redirect is sent to a
  login or proxy page, which ``answers.py`` reports as an unexpected answer.

``start_command`` is called once per CLI command: it starts the deadline every
connection of the command shares, and says where retries are reported.
Library callers that never call it get one deadline per connection, and
retries reported through logging.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_stacks.errors import CONVERGES, WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.workspace.databricks.throttle import RateLimiter

if TYPE_CHECKING:
    import requests

    from mlops_stacks.workspace.databricks.auth import Connection

log = logging.getLogger("mlops_stacks.databricks")

ENV_DEADLINE = "MLOPS_STACKS_DATABRICKS_DEADLINE"
ENV_MAX_ANSWER_MB = "MLOPS_STACKS_DATABRICKS_MAX_ANSWER_MB"
ENV_DEBUG = "MLOPS_STACKS_DEBUG"
#: Seconds a command may spend talking to the workspace (requests, retries, backoff).
DEFAULT_DEADLINE = 300.0
#: Largest answer read, in bytes (a workspace export of a 10 MB file is ~14 MB of JSON).
DEFAULT_MAX_ANSWER = 64 * 1024 * 1024
#: Characters of server text shown in messages (``--debug`` shows all of it).
MESSAGE_LIMIT = 400
_CHUNK = 64 * 1024
#: Answers longer than this (bytes) are read one at a time across the process's threads,
#: so that memory stays near one capped answer whatever the parallelism.
LARGE_ANSWER = 4 * 1024 * 1024
_LARGE_ANSWER_TURN = threading.Lock()


class DeadlineExceeded(WorkspaceError):
    """The command's time for talking to the workspace ran out."""


class AnswerTooLarge(Exception):
    """The answer's body is longer than the size cap (raised before reading past it)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit / (1024 * 1024):g} MB")
        self.size = size
        self.limit = limit


@dataclass
class RawAnswer:
    """What came back: status, headers and the whole (capped) body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    method: str
    path: str

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


class Deadline:
    """The seconds a command may spend in calls to the workspace.

    Only time inside calls counts (``running``), so local work between calls
    and the pauses of ``run`` between polls of a run do not use it up.
    """

    def __init__(self, seconds: float, source: str = "the default") -> None:
        self.seconds = seconds
        self.source = source
        self._spent = 0.0
        self._since: float | None = None
        self._grace = 0.0
        self._inside = 0  # calls in flight (several threads may call at once)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Deadline:
        env = os.environ if env is None else env
        raw = env.get(ENV_DEADLINE)
        if raw:
            try:
                return cls(max(0.001, float(raw)), ENV_DEADLINE)
            except ValueError:
                log.warning("Ignoring %s=%r: not a number of seconds.", ENV_DEADLINE, raw)
        return cls(DEFAULT_DEADLINE)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Count the time of the block; nested blocks, and blocks of several threads at
        once, count once (the wall time during which at least one call is in flight)."""
        with self._lock:
            self._inside += 1
            if self._inside == 1:
                self._since = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0 and self._since is not None:
                    self._spent += time.monotonic() - self._since
                    self._since = None

    def spent(self) -> float:
        since = self._since
        running = time.monotonic() - since if since is not None else 0.0
        return self._spent + running

    def remaining(self) -> float:
        return self.seconds - self.spent()

    @contextlib.contextmanager
    def grace(self, seconds: float = 10.0) -> Iterator[None]:
        """Up to ``seconds`` more for cleanup after the deadline ran out (releasing the
        deploy lock), so that a stopped command leaves nothing for the next to break."""
        extra = max(0.0, min(seconds, self.seconds) - max(0.0, self.remaining()))
        self.seconds += extra
        self._grace += extra
        try:
            yield
        finally:
            self.seconds -= extra
            self._grace -= extra

    def restart(self) -> None:
        """A fresh budget (``run`` gives each poll of a long run the whole deadline)."""
        self._spent = 0.0
        if self._since is not None:
            self._since = time.monotonic()

    def exceeded(self, what: str, host: str, last: str | None = None) -> DeadlineExceeded:
        where = "set with --http-deadline" if self.source == "--http-deadline" else (
            f"from {self.source}" if self.source != "the default" else "the default"
        )
        detail = f" Last problem: {last}." if last else ""
        return DeadlineExceeded(
            f"Gave up trying to {what} on {host}: the workspace did not answer within the "
            f"{self.seconds - self._grace:g} s this command may spend on it ({where}).{detail}",
            hint=f"If the workspace is slow rather than down, allow more time with "
            f"--http-deadline SECONDS or {ENV_DEADLINE}. {CONVERGES}",
        )


def _report_to_log(message: str) -> None:
    log.warning(message)


@dataclass
class CommandSettings:
    """What one command's connections share."""

    deadline: Deadline
    report: Callable[[str], None] = _report_to_log
    full_text: bool = False
    max_answer: int = DEFAULT_MAX_ANSWER
    limiter: RateLimiter = field(default_factory=RateLimiter)
    """Shared by every request of the command: a 429 slows them all (``throttle.py``)."""
    connections: dict[tuple[str, str | None], Connection] = field(default_factory=dict)
    """The command's connections by (host, profile): the bundle's current-user look-up and
    the workspace share one, configured and authenticated once (``auth.connect``)."""


_command: CommandSettings | None = None


def max_answer_from_env(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    raw = env.get(ENV_MAX_ANSWER_MB)
    if raw:
        try:
            return max(1, int(float(raw) * 1024 * 1024))
        except ValueError:
            log.warning("Ignoring %s=%r: not a number of megabytes.", ENV_MAX_ANSWER_MB, raw)
    return DEFAULT_MAX_ANSWER


def start_command(
    deadline: float | None = None,
    *,
    report: Callable[[str], None] | None = None,
    debug: bool = False,
) -> CommandSettings:
    """Start a command: one deadline for all its connections (``deadline`` seconds, else
    ``MLOPS_STACKS_DATABRICKS_DEADLINE``, else the default); ``report`` shows retries."""
    global _command
    clock = Deadline(deadline, "--http-deadline") if deadline else Deadline.from_env()
    _command = CommandSettings(
        deadline=clock,
        report=report or _report_to_log,
        full_text=debug or bool(os.environ.get(ENV_DEBUG)),
        max_answer=max_answer_from_env(),
    )
    return _command


def end_command() -> None:
    """Forget the command's settings (library calls after it get their own deadline)."""
    global _command
    _command = None


def command_settings() -> CommandSettings:
    """The current command's settings; a fresh set (own deadline) when no command started."""
    if _command is not None:
        return _command
    return CommandSettings(
        deadline=Deadline.from_env(),
        full_text=bool(os.environ.get(ENV_DEBUG)),
        max_answer=max_answer_from_env(),
    )


# -- who we talk to, and text from servers ---------------------------------------------
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


def printable(text: str) -> str:
    """``text`` with control and format characters (NUL, ESC, bidi marks...) escaped."""
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") or ch in "\u2028\u2029":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, limit: int = MESSAGE_LIMIT, *, full: bool | None = None) -> str:
    """Server text made safe to print, cut to ``limit`` characters unless in debug mode."""
    if full is None:
        full = command_settings().full_text
    if not full and len(text) > limit:
        more = len(text) - limit
        text = f"{text[:limit]}... ({more} more characters; --debug shows them all)"
    return printable(text)


def excerpt(body: bytes, limit: int = 160) -> str:
    """The start of a body, decoded and escaped, for messages about unexpected answers."""
    text = body[: limit * 4].decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())
    cut = len(text) > limit or len(body) > limit * 4
    return printable(text[:limit]) + ("..." if cut else "")


# -- the request -----------------------------------------------------------------------
def send(
    session: requests.Session,
    method: str,
    url: str,
    path: str,
    *,
    deadline: Deadline,
    timeout: float,
    max_bytes: int,
    query: JsonMapping | None = None,
    body: JsonValue = None,
    headers: Mapping[str, str] | None = None,
) -> RawAnswer:
    """One request; raises ``requests`` errors for network trouble and timeouts,
    ``AnswerTooLarge`` for bodies over ``max_bytes``. The caller checks the deadline."""
    import json

    import requests
    import urllib3

    left = deadline.remaining()
    if left <= 0:
        raise requests.exceptions.Timeout("the deadline ran out before the request")
    wait = max(0.001, min(timeout, left))
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        data = json.dumps(body, allow_nan=False, default=str).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    resp = session.request(
        method, url, params=_query(query), data=data, headers=all_headers,
        timeout=(wait, wait), stream=True, allow_redirects=False,
    )  # fmt: skip
    large = False  # whether this answer holds the large-answer turn
    buffer = io.BytesIO()  # one buffer that grows in place, handed out without a copy
    try:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise AnswerTooLarge(int(declared), max_bytes)
        while True:
            if deadline.remaining() <= 0:
                raise requests.exceptions.ReadTimeout("the deadline ran out while reading")
            try:
                chunk = resp.raw.read1(_CHUNK, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError as err:
                raise requests.exceptions.ReadTimeout(str(err)) from None
            except urllib3.exceptions.HTTPError as err:
                raise requests.exceptions.ConnectionError(str(err)) from None
            if not chunk:
                break
            size = buffer.tell() + len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(size, max_bytes)
            if size > LARGE_ANSWER and not large:
                _take_large_answer_turn(deadline)
                large = True
            buffer.write(chunk)
        return RawAnswer(resp.status_code, resp.headers, buffer.getvalue(), method, path)
    finally:
        # An error's traceback keeps this frame, and callers keep errors to report them
        # at the end: the partial answer must not live on with it.
        buffer.close()
        if large:
            _LARGE_ANSWER_TURN.release()
        resp.close()


def _take_large_answer_turn(deadline: Deadline) -> None:
    """Wait until no other request of this process is reading a large answer.

    Up to ``--parallelism`` requests are in flight; without this, each could hold a
    capped answer at once. Small answers never wait."""
    import requests

    if not _LARGE_ANSWER_TURN.acquire(timeout=max(0.001, deadline.remaining())):
        raise requests.exceptions.ReadTimeout(
            "the deadline ran out while another large answer was being read"
        )


def _query(query: JsonMapping | None) -> JsonObject | None:
    """Booleans as the API spells them (``true``/``false``)."""
    if query is None:
        return None
    return {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in query.items()}
