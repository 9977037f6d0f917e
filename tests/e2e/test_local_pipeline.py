"""A data scientist's whole day on the local workspace, through the real CLI.

init -> deploy -> run the training job (champion set on the version it trained)
-> batch inference (predictions tagged with that version) -> serve (POST
/invocations answers) -> a worse model trained later does not take champion.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def cli(
    *args: str, cwd: Path, check: bool = True, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    env.pop("DATABRICKS_BUNDLE_TARGET", None)
    result = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"mlops-stacks {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("e2e")
    cli("init", "--defaults", "--data", "project_name=demo", "out/demo", cwd=base)
    root = base / "out" / "demo" / "demo"
    assert (root / "databricks.yml").is_file()
    deployed = cli("deploy", "--auto-approve", cwd=root)
    assert "Resources: " in deployed.stdout
    return root


def champion_and_store(root: Path) -> tuple[str, str, object]:
    """(registered model name, champion version, MlflowClient) of the local target."""
    from mlflow.tracking import MlflowClient

    summary = json.loads(cli("summary", "-o", "json", cwd=root).stdout)
    name = summary["resources"]["registered_models"]["model"]["name"]
    uri = summary["workspace"]["mlflow_tracking_uri"]
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    return name, str(client.get_model_version_by_alias(name, "champion").version), client


def trained_version(root: Path) -> str:
    """The model version the newest training run registered (the Train task's result)."""
    runs = json.loads(cli("runs", "list", "model_training_job", "-o", "json", cwd=root).stdout)
    train = next(t for t in runs[0]["tasks"] if t["key"] == "Train")
    assert runs[0]["state"] == "SUCCESS"
    return str(train["result"]).rsplit("/", 1)[-1]


def test_training_sets_champion_then_scores_and_serves(project: Path) -> None:
    ran = cli("run", "model_training_job", cwd=project)
    assert "SUCCESS" in ran.stdout
    version = trained_version(project)
    name, champion, _ = champion_and_store(project)
    assert champion == version

    cli("run", "batch_inference_job", cwd=project)
    predictions = list((project / ".mlops-stacks" / "local" / "files").rglob("*predictions*.csv"))
    assert len(predictions) == 1, predictions
    with predictions[0].open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 100
    assert {r["model_version"] for r in rows} == {version}
    assert all(r["prediction"] not in ("", "nan") and r["scored_at"] for r in rows)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", "serve", "--port", str(port)],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "MLOPS_STACKS_NO_INPUT": "1"},
    )
    try:
        payload = None
        lines: list[str] = []
        deadline = time.monotonic() + 240
        assert server.stdout is not None
        for line in server.stdout:
            lines.append(line)
            if "curl -X POST" in line:
                payload = line.split("-d ", 1)[1].strip().strip("'")
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        assert payload is not None, "serve printed no example request"
        assert any(f"{name} version {version} (@champion)" in x for x in lines), lines
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations", data=payload.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            answer = json.loads(resp.read())
        n_rows = len(json.loads(payload)["dataframe_split"]["data"])
        assert len(answer["predictions"]) == n_rows
        assert all(isinstance(p, (int, float)) for p in answer["predictions"])
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_worse_model_does_not_take_champion(project: Path) -> None:
    name, before, client = champion_and_store(project)
    # A deliberately weak model; dry_run validation lets it reach the deployment step,
    # which must keep the better champion.
    cli(
        "run", "model_training_job",
        "--params", "n_estimators=1", "--params", "max_depth=1",
        "--params", "validation_mode=dry_run",
        cwd=project,
    )
    newer = trained_version(project)
    assert int(newer) > int(before)
    _, after, _ = champion_and_store(project)
    assert after == before
