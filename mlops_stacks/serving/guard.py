"""An ASGI layer around MLflow's scoring app: a request-size limit and clean error answers.

- A body over ``max_bytes`` is answered 413 at once: a declared ``Content-Length`` over
  the limit before any byte of the body is read, a chunked body as soon as it grows
  past it. The body is never echoed back.
- An error answer (4xx, 5xx) keeps its message but loses the server's stack trace
  (MLflow puts it in ``stack_trace``, with absolute paths of this machine).

Other requests pass through untouched, so a large request never holds up small ones.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Default request-size limit (``mlops-stacks serve --max-request-mb``).
DEFAULT_MAX_MB = 16.0
#: Fields of an error answer that carry server internals.
HIDDEN_FIELDS = ("stack_trace", "traceback")


class RequestGuard:
    """Wraps an ASGI ``app``; see the module docstring."""

    def __init__(self, app: App, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
        await self.app(scope, _replay(body), _scrubbing(send))

    async def _too_large(self, send: Send) -> None:
        limit = self.max_bytes / (1024 * 1024)
        text = json.dumps({
            "error_code": "REQUEST_TOO_LARGE",
            "message": f"The request body is larger than the {limit:g} MB this server accepts "
            "(mlops-stacks serve --max-request-mb). Send fewer rows per request.",
        }).encode()  # fmt: skip
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(text)).encode()),
            (b"connection", b"close"),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": text})


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the app the body already read, then waits for nothing."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def scrub(body: bytes) -> bytes:
    """An error answer without stack traces (JSON fields dropped; other text kept to its
    first line, where a traceback never starts)."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        return text.split("Traceback (most recent call last)", 1)[0].strip().encode()
    if isinstance(data, dict):
        for field in HIDDEN_FIELDS:
            data.pop(field, None)
    return json.dumps(data).encode()


def _scrubbing(send: Send) -> Send:
    """A ``send`` that holds an error answer back until it is whole, then scrubs it."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and int(message["status"]) >= 400:
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = scrub(b"".join(chunks))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped
