"""Resolve ``models:/<name>@<alias>`` in an MLflow store and run MLflow's scoring server for it."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.errors import MlopsStacksError, UsageError, require_extra
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.serving.guard import DEFAULT_MAX_MB


@dataclass(frozen=True)
class ServedModel:
    """The model version an alias points at, in a given MLflow store."""

    name: str
    alias: str
    version: str
    tracking_uri: str
    registry_uri: str

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def resolve_alias(name: str, alias: str, *, tracking_uri: str, registry_uri: str) -> ServedModel:
    """Find the version of registered model ``name`` behind ``alias``.

    Raises ``MlopsStacksError`` naming the model and what to run when the model
    or the alias does not exist.
    """
    require_extra("mlflow", purpose="Serving a model")
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri)
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        code = getattr(exc, "error_code", "")
        if code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND") or (
            "not found" in str(exc).lower() or "does not exist" in str(exc).lower()
        ):
            raise MlopsStacksError(
                f"Registered model '{name}' has no version with alias '{alias}'.",
                hint="Deploy and run the training job first (`mlops-stacks deploy` then "
                "`mlops-stacks run model_training_job`), or pick another alias with --alias.",
            ) from None
        raise MlopsStacksError(
            f"Could not read model '{name}' from the MLflow store: {exc}"
        ) from None
    return ServedModel(name, alias, str(version.version), tracking_uri, registry_uri)


def example_request(model: ServedModel, max_rows: int = 3) -> JsonObject | None:
    """A ``dataframe_split`` request body built from the model's logged input example."""
    require_extra("mlflow", purpose="Serving a model")
    import mlflow
    from mlflow.models import Model

    os.environ.setdefault("MLFLOW_TRACKING_URI", model.tracking_uri)
    mlflow.set_tracking_uri(model.tracking_uri)
    mlflow.set_registry_uri(model.registry_uri)
    try:
        local = mlflow.artifacts.download_artifacts(model.uri)
        example = Model.load(local).load_input_example(local)
    except Exception:  # an example is a convenience; serving works without one
        return None
    if example is None:
        return None
    try:
        import pandas as pd

        frame = example if isinstance(example, pd.DataFrame) else pd.DataFrame(example)
        split = json.loads(frame.head(max_rows).to_json(orient="split", index=False))
    except Exception:
        return None
    return {"dataframe_split": {"columns": split["columns"], "data": split["data"]}}


def listen_problem(host: str, port: int) -> MlopsStacksError | None:
    """Why the server could not listen on ``host``:``port`` (None: it can), told apart:
    a name that does not resolve, an address of another machine, a port in use."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        return MlopsStacksError(
            f"Cannot resolve --host {host}: it is not an address or a known host name.",
            hint="Use an address of this machine: 127.0.0.1 or ::1 (this machine only), "
            "or 0.0.0.0 (every interface).",
        )
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return MlopsStacksError(
                    f"Port {port} on {host} is already in use.",
                    hint="Choose another with --port N.",
                )
            if exc.errno == errno.EADDRNOTAVAIL:
                return MlopsStacksError(
                    f"--host {host} is not an address of this machine, so nothing can listen "
                    "on it.",
                    hint="Use 127.0.0.1 or ::1 (this machine only), or 0.0.0.0 (every "
                    "interface).",
                )
            return MlopsStacksError(f"Cannot listen on {host} port {port}: {exc.strerror}.")
    return None


@dataclass
class ModelServer:
    """A running scoring server process."""

    model: ServedModel
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until ``GET /ping`` answers 200; fail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MlopsStacksError(
                    f"The scoring server for {self.model.uri} exited with code "
                    f"{self.process.returncode} before it was ready.",
                    hint=self._log_tail(),
                )
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise MlopsStacksError(
            f"The scoring server for {self.model.uri} did not become ready in {timeout:.0f} s."
        )

    def _log_tail(self, lines: int = 20) -> str | None:
        if self.log_path is None or not self.log_path.exists():
            return None
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "Server output (last lines):\n" + "\n".join(tail) if tail else None

    def stop(self) -> None:
        """Stop the server and everything it started (its own process group)."""
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait()
        # MLflow's launcher may exit before its uvicorn child does: sweep the group.
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def worker_arguments(model_uri: str, host: str, port: int, max_bytes: int) -> list[str]:
    """Arguments of ``python -m mlops_stacks.serving.worker`` (``worker.parser``); each value
    is joined to its option, so a value starting with '-' stays a value."""
    return [f"--model-uri={model_uri}", f"--host={host}", f"--port={port}",
            f"--max-bytes={max_bytes}"]  # fmt: skip


def start_server(
    model: ServedModel,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    quiet: bool = False,
    max_request_mb: float = DEFAULT_MAX_MB,
) -> ModelServer:
    """Start MLflow's scoring app for ``model`` in a child process (not yet ready).

    The child (``worker.py``) refuses bodies over ``max_request_mb`` with 413, answers
    errors without stack traces, and exits when this process ends in any way: its stdin
    is a pipe that only this process holds open.
    """
    require_extra("mlflow", purpose="Serving a model")
    if not 0 < port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, got {port}.")
    problem = listen_problem(host, port)
    if problem is not None:
        raise problem
    env = dict(os.environ)
    env["MLFLOW_TRACKING_URI"] = model.tracking_uri
    env["MLFLOW_REGISTRY_URI"] = model.registry_uri
    # MLflow starts ``uvicorn`` by name: make this interpreter's scripts findable.
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    max_bytes = max(1, int(max_request_mb * 1024 * 1024))
    cmd = [sys.executable, "-m", "mlops_stacks.serving.worker",
           *worker_arguments(model.uri, host, port, max_bytes)]  # fmt: skip
    log = tempfile.NamedTemporaryFile(prefix="mlops-stacks-serve-", suffix=".log", delete=False)
    # Quiet: all output to the log. Otherwise the server's access log shows on the
    # terminal and its errors are also kept for the failure message.
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,  # never written: its end of file tells the worker we are gone
        env=env,
        stdout=log if quiet else None,
        stderr=log,
        start_new_session=True,  # our Ctrl-C handling stops it, once
    )
    log.close()
    return ModelServer(model, host, port, proc, Path(log.name))
