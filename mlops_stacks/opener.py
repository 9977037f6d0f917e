"""Where ``mlops-stacks open [RESOURCE]`` goes: a page in the MLflow UI of the local store,
or the resource's page on Databricks (as the Databricks CLI's ``bundle open``).

``destination(summary, resource, ui_url)`` is pure: it picks the page from a
``Summary``. ``MlflowUi`` runs the MLflow UI on a local target's store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.errors import MlopsStacksError

if TYPE_CHECKING:
    from mlops_stacks.summary import ResourceSummary, Summary

#: Resource kinds that have a page in the MLflow UI.
_MLFLOW_PAGES = {"experiments": "#/experiments/{id}", "registered_models": "#/models/{id}",
                 "models": "#/models/{id}"}


@dataclass
class Destination:
    url: str
    title: str
    needs_mlflow_ui: bool
    """True for the local workspace: the URL is served by ``MlflowUi``."""


def destination(summary: Summary, resource: str | None, ui_url: str) -> Destination:
    """The page to open for ``resource`` (a key, or ``kind.key``; ``None``: the workspace)."""
    local = summary.workspace.kind == "local"
    if resource is None:
        if local:
            return Destination(ui_url + "/", "the MLflow UI of the local store", True)
        url = f"{summary.workspace.host.rstrip('/')}/#workspace{summary.workspace.root_path}"
        return Destination(url, f"the bundle folder {summary.workspace.root_path}", False)
    found = summary.find(resource)
    if not found:
        from mlops_stacks.bundle.suggest import did_you_mean

        keys = sorted({r.key for r in summary.resources})
        raise MlopsStacksError(
            f"No resource '{resource}' in bundle '{summary.bundle}' (target {summary.target}).",
            hint=f"Resources: {', '.join(keys) or 'none'}.{did_you_mean(resource, keys)}",
        )
    if len(found) > 1:
        names = ", ".join(f"{r.kind}.{r.key}" for r in found)
        raise MlopsStacksError(f"'{resource}' names several resources: {names}.",
                               hint="Say which one with KIND.KEY, e.g. " + found[0].kind
                               + "." + found[0].key)
    r = found[0]
    if not r.deployed or r.id is None:
        raise MlopsStacksError(
            f"{r.kind}.{r.key} is not deployed to target '{summary.target}'.",
            hint=f"Deploy it first: mlops-stacks deploy -t {summary.target}")
    if not local:
        return Destination(r.open or summary.workspace.host, _title(r), False)
    page = _MLFLOW_PAGES.get(r.kind)
    if page is None:
        hint = (f"Its runs: mlops-stacks runs list {r.key} -t {summary.target}"
                if r.kind == "jobs" else f"Its record: {r.open}")
        raise MlopsStacksError(
            f"{r.kind}.{r.key} has no page on the local workspace (only MLflow experiments "
            "and models do).", hint=hint)
    return Destination(f"{ui_url}/{page.format(id=r.id)}", _title(r), True)


def _title(r: ResourceSummary) -> str:
    return f"{r.kind}.{r.key}" + (f" ({r.name})" if r.name else "")


@dataclass
class MlflowUi:
    """The MLflow UI on a local store: already running on the port, or started here."""

    url: str
    process: subprocess.Popen[bytes] | None
    log_path: Path | None
    busy_port: int | None = None
    """The port asked for, when another store's UI held it and this one runs elsewhere."""
    db: Path | None = None

    @classmethod
    def start(cls, *, tracking_uri: str, artifact_root: str, host: str = "127.0.0.1",
              port: int = 5000, timeout: float = 120.0) -> MlflowUi:
        """Reuse a UI on ``host:port`` that serves this store, or start ``mlflow ui`` and wait.

        A UI on the port that serves another store (another project's) is left alone:
        this store's UI then starts on a free port, and ``busy_port`` says so.
        """
        from mlops_stacks.errors import require_extra
        from mlops_stacks.workspace.mlflow_ui import record_ui, serves_store, store_db

        db = store_db(tracking_uri)
        url = f"http://{host}:{port}"
        busy = None
        # Nothing listening is refused at once; a UI that listens may answer slowly
        # on a busy machine, and must not be mistaken for a free port.
        if _answers(url, timeout=10):
            if serves_store(url, db):
                return cls(url, None, None, db=db)
            busy, port = port, _free_port(host)
            url = f"http://{host}:{port}"
        require_extra("mlflow", purpose="Opening the MLflow UI")
        log = tempfile.NamedTemporaryFile(prefix="mlops-stacks-mlflow-ui-", suffix=".log",
                                          delete=False)
        env = {**os.environ,
               "PATH": os.pathsep.join([os.path.dirname(sys.executable),
                                        os.environ.get("PATH", "")])}
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow",
             *ui_arguments(tracking_uri, artifact_root, host, port)],
            stdout=log, stderr=log, env=env, start_new_session=True)
        log.close()
        log_path = Path(log.name)
        ui = cls(url, proc, log_path, busy, db)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace").splitlines()[-10:]
                raise MlopsStacksError(
                    f"The MLflow UI exited with code {proc.returncode} before it was ready.",
                    hint="\n".join(tail) or f"Is port {port} free? Choose another with --port.")
            if _answers(url):
                record_ui(db, url, proc.pid)
                return ui
            time.sleep(0.3)
        ui.stop()
        raise MlopsStacksError(f"The MLflow UI did not answer on {url} in {timeout:.0f} s.")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.db is not None:
            from mlops_stacks.workspace.mlflow_ui import forget_ui

            forget_ui(self.db, self.process.pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue


def ui_arguments(tracking_uri: str, artifact_root: str, host: str, port: int) -> list[str]:
    """``mlflow`` arguments of the MLflow UI; each value is joined to its option, so a
    value starting with '-' (a folder named so) stays a value."""
    return [
        "ui", f"--backend-store-uri={tracking_uri}", f"--default-artifact-root={artifact_root}",
        f"--host={host}", f"--port={port}",
    ]  # fmt: skip


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _answers(url: str, timeout: float = 1) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


__all__ = ["Destination", "MlflowUi", "destination"]
