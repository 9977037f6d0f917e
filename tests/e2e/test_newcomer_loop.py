"""A newcomer's first hour, through the real CLI on a generated project, with the outcome the
generated README promises at each step: init -> deploy -> run -> change a hyperparameter
where the README says -> run -> compare the runs -> serve a raw trip -> destroy -> redeploy."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

METRIC = "holdout_root_mean_squared_error"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    env.pop("DATABRICKS_BUNDLE_TARGET", None)
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def ok(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = cli(*args, cwd=cwd)
    assert proc.returncode == 0, f"{args}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_and_ask(project: Path, record: dict[str, object]) -> dict[str, object]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", "serve", "--port", str(port)], cwd=project,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        out = "".join(seen)
        assert "pickup_datetime" in out and "pickup_hour" not in out, out  # the example is raw
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations", method="POST",
            data=json.dumps({"dataframe_records": [record]}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as resp:
            return dict(json.loads(resp.read()))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def test_the_newcomer_loop_does_what_the_readme_says(tmp_path: Path) -> None:
    ok("init", "--defaults", "--data", "project_name=demo", "repo", cwd=tmp_path)
    project = tmp_path / "repo" / "demo"
    readme = (project / "README.md").read_text()
    ok("deploy", "--auto-approve", cwd=project)
    first = json.loads(ok("run", "model_training_job", "-o", "json", cwd=project).stdout)
    assert first["state"] == "SUCCESS"

    # The README: hyperparameters are the Hyperparameters defaults in training/train.py.
    assert "`n_estimators: int = 300`" in readme and "`training/train.py`" in readme
    train = project / "training" / "train.py"
    train.write_text(train.read_text().replace("n_estimators: int = 100",
                                               "n_estimators: int = 300"))
    ok("deploy", "--auto-approve", cwd=project)
    second = ok("run", "model_training_job", cwd=project)
    assert "n_estimators=300" in second.stdout  # the MLflow run's params, printed with metrics
    [train_task] = [t for t in json.loads(ok("runs", "list", "-o", "json", cwd=project).stdout)
                    [0]["tasks"] if t["key"] == "Train"]
    assert "n_estimators=300 (train.py)" in Path(train_task["log_path"]).read_text()

    assert f"--metric {METRIC.replace('root_mean_squared_error', 'r2_score')}" in readme
    table = ok("runs", "list", "model_training_job", "--metric", METRIC, cwd=project).stdout
    header, *rows = table.splitlines()
    assert header.split("\t")[-1] == METRIC
    newer, older = (float(row.split("\t")[-1]) for row in rows)
    assert newer != older  # 300 trees score differently from 100

    with (project / "data" / "taxi_trips.csv").open() as f:
        row = next(csv.DictReader(f))
    record: dict[str, object] = {
        "pickup_datetime": row["pickup_datetime"], "pickup_zip": int(row["pickup_zip"]),
        "dropoff_zip": int(row["dropoff_zip"]), "trip_distance": float(row["trip_distance"]),
        "passenger_count": int(row["passenger_count"])}
    answer = _serve_and_ask(project, record)
    [fare] = answer["predictions"]  # type: ignore[misc]
    assert 0 < float(fare) < 100

    # destroy, as the README says: the experiment goes with its runs, for good.
    assert "for good, not into MLflow's trash" in readme
    ok("destroy", "--auto-approve", cwd=project)
    ok("deploy", "--auto-approve", cwd=project)
    db = project / ".mlops-stacks" / "local" / "mlflow" / "mlflow.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM model_versions").fetchone() == (0,)
    assert "No runs of" in ok("runs", "list", cwd=project).stdout
