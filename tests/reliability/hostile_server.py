"""A fake Databricks workspace that misbehaves on request, over real HTTP.

``HostileDatabricks`` is the fake workspace of ``tests/databricks/fake_server.py``
(same state, same REST rules) with behaviours for the requests whose method and
path prefix match (``method=None``: any method; ``times``: how many requests)::

    srv.hang("POST", "/api/2.0/workspace/import")         # never answers
    srv.slow(None, "/api/", seconds=0.3)                  # answers, but late
    srv.answer(None, "/api/", body=b"<html>...", content_type="text/html")
    srv.huge("GET", "/api/2.2/jobs/list", megabytes=300)  # streams that many bytes
    srv.rewrite("POST", "/api/2.2/jobs/create", lambda payload: {})  # applied, answer changed
    srv.drop("POST", "/api/2.2/jobs/create", times=1)     # applied, connection closed unanswered
    srv.drop("POST", "/api/2.2/jobs/create", skip=2, times=1)  # the same, for the third only
    srv.fail("POST", "/api/2.2/jobs/create", status=500)  # applied, answered with an error

Every request's raw path (before any decoding) is kept in ``raw_paths``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.databricks.fake_server import FakeDatabricks


@dataclass
class Behaviour:
    method: str | None
    prefix: str
    kind: str  # hang | slow | answer | huge | rewrite | drop | fail
    times: int | None = None
    seconds: float = 0.0
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    megabytes: int = 0
    declare_length: bool = False
    rewrite: Callable[[Any], Any] | None = None
    skip: int = 0
    """Matching requests to let through (well served) before this behaviour starts."""

    def take(self, method: str, path: str) -> bool:
        if (self.method and self.method != method) or not path.startswith(self.prefix):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True


class HostileDatabricks(FakeDatabricks):
    def __init__(self) -> None:
        super().__init__()
        self.behaviours: list[Behaviour] = []
        self.raw_paths: list[str] = []
        self.released = threading.Event()

    # -- behaviours ---------------------------------------------------------------------
    def _add(self, behaviour: Behaviour) -> Behaviour:
        with self._lock:
            self.behaviours.append(behaviour)
        return behaviour

    def hang(self, method: str | None, prefix: str, **kw: Any) -> Behaviour:
        return self._add(Behaviour(method, prefix, "hang", **kw))

    def slow(self, method: str | None, prefix: str, seconds: float, **kw: Any) -> Behaviour:
        return self._add(Behaviour(method, prefix, "slow", seconds=seconds, **kw))

    def answer(self, method: str | None, prefix: str, body: bytes, **kw: Any) -> Behaviour:
        return self._add(Behaviour(method, prefix, "answer", body=body, **kw))

    def huge(self, method: str | None, prefix: str, megabytes: int, **kw: Any) -> Behaviour:
        return self._add(Behaviour(method, prefix, "huge", megabytes=megabytes, **kw))

    def rewrite(
        self, method: str | None, prefix: str, fn: Callable[[Any], Any], **kw: Any
    ) -> Behaviour:
        return self._add(Behaviour(method, prefix, "rewrite", rewrite=fn, **kw))

    def drop(self, method: str | None, prefix: str, **kw: Any) -> Behaviour:
        """Apply the request, then close the connection without an answer."""
        return self._add(Behaviour(method, prefix, "drop", **kw))

    def fail(self, method: str | None, prefix: str, status: int = 500, **kw: Any) -> Behaviour:
        """Apply the request, then answer ``status`` with an error body."""
        body = json.dumps({"error_code": "INTERNAL_ERROR", "message": "injected"}).encode()
        return self._add(Behaviour(method, prefix, "fail", status=status, body=body, **kw))

    def behave(self) -> None:
        """Back to a well-behaved workspace."""
        with self._lock:
            self.behaviours.clear()

    def _behaviour(self, method: str, path: str) -> Behaviour | None:
        with self._lock:
            return next((b for b in self.behaviours if b.take(method, path)), None)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> HostileDatabricks:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        super().stop()


def _make_handler(server: HostileDatabricks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body in one write: no 40 ms Nagle/delayed-ACK stall per request.
        wbufsize = 64 * 1024

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, behaviour: Behaviour) -> None:
            size = behaviour.megabytes * 1024 * 1024
            self.send_response(behaviour.status)
            self.send_header("Content-Type", behaviour.content_type)
            if behaviour.declare_length:
                self.send_header("Content-Length", str(size))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b'{"padding": "' + b"x" * (1024 * 1024 - 13)
            try:
                for _ in range(behaviour.megabytes):
                    self.wfile.write(chunk[: 1024 * 1024])
                    self.wfile.flush()
            except OSError:
                pass  # the client stopped reading: what a size cap does

        def _serve(self) -> None:
            server.raw_paths.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            behaviour = server._behaviour(self.command, path)
            if behaviour is not None and behaviour.kind == "hang":
                server.released.wait(120)
                self.close_connection = True
                return
            if behaviour is not None and behaviour.kind == "slow":
                time.sleep(behaviour.seconds)
            if behaviour is not None and behaviour.kind == "answer":
                self._send(behaviour.status, behaviour.body, behaviour.content_type)
                return
            if behaviour is not None and behaviour.kind == "huge":
                self._stream(behaviour)
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = server.handle(self.command, self.path, headers, raw)
            if behaviour is not None and behaviour.kind == "drop":
                self.close_connection = True
                return
            if behaviour is not None and behaviour.kind == "fail":
                self._send(behaviour.status, behaviour.body, behaviour.content_type)
                return
            if behaviour is not None and behaviour.kind == "rewrite" and status < 300:
                assert behaviour.rewrite is not None
                payload = behaviour.rewrite(payload)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


# -- the CLI as a user runs it, against a (hostile) fake workspace ---------------------------
# The command's own time is measured around ``main``, after the heavy imports, so that
# deadline checks do not depend on how long Python takes to import on a busy machine.
# Its peak memory is the kernel's VmHWM of the process: ``ru_maxrss`` would not do, as
# Linux carries the peak of the image an exec replaced into it, and subprocess starts
# the CLI from the test's own process (hundreds of MB late in a full run).
CLI_WRAPPER = (
    "import importlib, resource, sys, time\n"
    "for name in sys.argv[1].split(','):\n"
    "    importlib.import_module(name)\n"
    "from mlops_stacks.cli.app import main\n"
    "start = time.monotonic()\n"
    "try:\n"
    "    main(sys.argv[2:])\n"
    "finally:\n"
    "    try:\n"
    "        with open('/proc/self/status') as status:\n"
    "            rss = next(int(line.split()[1]) for line in status\n"
    "                       if line.startswith('VmHWM:'))\n"
    "    except OSError:\n"
    "        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    took = time.monotonic() - start\n"
    "    sys.stderr.write(f'\\nMAXRSS_KB {rss} SECONDS {took:.3f}\\n')\n"
)
PRELOAD = (
    "mlops_stacks.cli.app", "mlops_stacks.bundle", "mlops_stacks.deploy", "requests",
    "databricks.sdk.config", "mlops_stacks.workspace.databricks.backend",
)  # fmt: skip


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(server: FakeDatabricks, home: Any, **extra: str) -> dict[str, str]:
    """Only the server's host and token, no profile file, fast retries and polling."""
    import os

    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("DATABRICKS_", "ARM_", "BUNDLE_VAR_", "MLOPS_STACKS_"))
    }  # fmt: skip
    env.update(
        DATABRICKS_HOST=server.url,
        DATABRICKS_TOKEN=server.token,
        DATABRICKS_CONFIG_FILE=str(home / "no-databrickscfg"),
        HOME=str(home),
        MLOPS_STACKS_NO_INPUT="1",
        MLOPS_STACKS_DATABRICKS_RETRY_DELAY="0.05",
        MLOPS_STACKS_DATABRICKS_POLL_INTERVAL="0.05",
        NO_COLOR="1",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def run_cli(
    args: list[str], cwd: Any, env: dict[str, str], timeout: float = 120,
    preload: tuple[str, ...] = PRELOAD,
) -> CliResult:  # fmt: skip
    """Run the CLI in a new Python; ``seconds`` is the time of the command itself."""
    import re
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", CLI_WRAPPER, ",".join(preload), *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    found = re.search(r"\nMAXRSS_KB (\d+) SECONDS ([\d.]+)\n", proc.stderr)
    assert found, proc.stderr[-2000:]
    stderr = proc.stderr[: found.start()] + "\n" + proc.stderr[found.end() :]
    return CliResult(
        proc.returncode, proc.stdout, stderr, float(found.group(2)), int(found.group(1)) / 1024
    )
