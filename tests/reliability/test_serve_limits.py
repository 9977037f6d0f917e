"""``mlops-stacks serve`` under hostile clients and hard stops, with the real CLI.

A project is deployed to the local target and a small model version is registered
behind ``@champion`` in its store (once per module). Then:

- a body over the limit is answered 413 within a second, while a small request
  sent at the same time is answered; no error answer carries a stack trace;
- after SIGHUP (a closed terminal) or SIGKILL of ``serve``, nothing holds the port;
- ``destroy`` of the target stops a ``serve`` of it and says so.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, make_project, start_cli

pytestmark = pytest.mark.slow

LOCAL_STORE = Path(".mlops-stacks") / "local" / "mlflow" / "mlflow.db"
MODEL = "main.ml.local-demo-model"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployed project whose registered model has a version behind @champion."""
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow.tracking import MlflowClient
    from sklearn.linear_model import LinearRegression

    root = make_project(tmp_path_factory.mktemp("serve") / "demo")
    cli(root, "deploy", "--auto-approve", check=True)
    uri = f"sqlite:///{root / LOCAL_STORE}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    x = pd.DataFrame({"a": np.arange(10.0)})
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            LinearRegression().fit(x, x["a"] * 2), name="model", registered_model_name=MODEL,
            pip_requirements=["scikit-learn"],
        )  # fmt: skip
    MlflowClient(uri, uri).set_registered_model_alias(
        MODEL, "champion", info.registered_model_version
    )
    return root


def _serve(project: Path, port: int, *extra: str):  # noqa: ANN202
    """``mlops-stacks serve`` in ``project``, once its server answers."""
    proc = start_cli(project, "serve", "--port", str(port), *extra)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve ended ({proc.returncode}): {proc.communicate()}")
        if _port_taken(port) and (project / ".mlops-stacks/local/serve.json").exists():
            return proc
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("serve did not start in 180 s")


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_port_free(port: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _port_taken(port):
            return True
        time.sleep(0.2)
    return False


def _post(port: int, body: bytes, headers: str = "") -> tuple[int, bytes, float]:
    """(status, body, seconds) of a raw POST /invocations."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        head = (f"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"{headers or f'Content-Length: {len(body)}'}\r\n\r\n").encode()  # fmt: skip
        conn.sendall(head)
        try:
            conn.sendall(body)
        except OSError:
            pass  # the server answered and closed before the whole body was sent
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + _length(data):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1], time.monotonic() - start


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_over_the_limit_413_at_once_no_stack_traces_and_destroy_stops_the_server(
    project: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "demo"  # destroy deletes what it serves: a copy of the project
    shutil.copytree(project, copy, symlinks=True)
    port = _free_port()
    proc = _serve(copy, port, "--max-request-mb", "1")
    try:
        small = json.dumps({"dataframe_split": {"columns": ["a"], "data": [[2.0]]}}).encode()
        answers: dict[str, tuple[int, bytes, float]] = {}
        big = threading.Thread(target=lambda: answers.update(big=_post(port, b"x" * 30_000_000)))
        big.start()
        answers["small"] = _post(port, small)
        big.join(60)
        assert answers["small"][0] == 200, answers["small"]
        status, body, seconds = answers["big"]
        assert status == 413 and seconds < 1.0, (status, seconds)
        assert b"--max-request-mb" in body and len(body) < 1000
        # A chunked body has no length to check first: refused as it grows past the limit.
        chunk = b"x" * 600_000
        chunked = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3 + b"0\r\n\r\n"
        status, _, _ = _post(port, chunked, "Transfer-Encoding: chunked")
        assert status == 413
        # Error answers keep their message, not the server's stack trace or paths.
        status, body, _ = _post(port, b'{"dataframe_split": {"columns": ["a"], "data": "x"}}')
        assert 400 <= status < 600, body
        text = body.decode()
        assert "Traceback" not in text and "stack_trace" not in text
        assert "site-packages" not in text and str(Path.home()) not in text, text
        # destroy deletes the served model: it stops the server and says so.
        done = cli(copy, "destroy", "--auto-approve")
        assert done.returncode == 0, done.stderr
        assert f"Stopped `mlops-stacks serve` (pid {proc.pid})" in done.stderr, done.stderr
        assert f"served {MODEL} version 1" in done.stderr
        proc.wait(30)
        assert _wait_port_free(port)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGKILL])
def test_no_server_outlives_serve_killed_by_a_closed_terminal_or_sigkill(
    project: Path, sig: signal.Signals
) -> None:
    port = _free_port()
    proc = _serve(project, port)
    assert _port_taken(port)
    os.kill(proc.pid, sig)
    proc.wait(30)
    assert _wait_port_free(port), f"port {port} still served after {sig.name}"
