"""``open`` and ``models list`` through the real CLI: the local MLflow UI on the target's store,
a Databricks resource page, model versions with their aliases."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_run_results import TRAIN
from tests.deploy.bundle_project import cli, make_project


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow  # two training runs and an MLflow UI server
def test_models_list_shows_versions_and_aliases_and_open_serves_the_mlflow_ui(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    (project / "training" / "notebooks" / "Train.py").write_text(TRAIN.format(marker="x"))
    before = cli(project, "models", "list", check=True).stdout
    assert "model: " in before and "not deployed" in before
    cli(project, "deploy", check=True)
    cli(project, "run", "train_job", check=True)
    cli(project, "run", "train_job", check=True)

    [model] = json.loads(cli(project, "models", "list", "-o", "json", check=True).stdout)
    assert model["key"] == "model" and model["deployed"]
    assert [(v["version"], v["aliases"]) for v in model["versions"]] == [
        ("2", ["champion"]), ("1", [])]
    text = cli(project, "models", "list", check=True).stdout
    assert f"model: {model['name']}" in text and "@champion" in text

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", "open", "experiment", "--no-browser",
         "--port", str(port)], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        out = "".join(lines)
        assert f"MLflow UI for target local: http://127.0.0.1:{port}" in out, out
        url = next(x for x in lines if x.startswith("Opening")).split(": ", 1)[1].strip()
        assert url.startswith(f"http://127.0.0.1:{port}/#/experiments/")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200
        # A second open reuses the running UI instead of failing on the port.
        again = cli(project, "open", "model", "--no-browser", "--port", str(port), check=True)
        assert f"already runs at http://127.0.0.1:{port}" in again.stdout
        assert f"/#/models/{model['name']}" in again.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    nope = cli(project, "open", "train_job", "--no-browser")
    assert nope.returncode == 1 and "mlops-stacks runs list train_job" in nope.stderr
