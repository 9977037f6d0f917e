"""A v0.5-shaped project whose notebooks use Databricks idioms runs locally on the
Spark engine: training registers a version and moves the aliases, the batch job stops
before any task until its input table exists, then writes a predictions table that a
later session reads by its three-level name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from tests.bundle.v05_project import write_v05_project
from tests.runner.spark.fare_project import FILES

pytest.importorskip("pysail")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark") / "fare_model"
    write_v05_project(root, FILES, includes=("resources/scoring-input-resource.yml",))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def cli(project: Path, *args: str) -> tuple[int, str]:
    terminal.reset()
    terminal.DEBUG = False
    res = CliRunner().invoke(app, list(args), env={
        "MLOPS_STACKS_BUNDLE_ROOT": str(project), "MLOPS_STACKS_NO_INPUT": "1",
        "COLUMNS": "200", "MLOPS_STACKS_SPARK_REMOTE": os.environ.get(
            "MLOPS_STACKS_SPARK_REMOTE", "")})
    terminal.reset()
    return res.exit_code, res.stdout + res.stderr


def task_log(project: Path, run: dict, task: str) -> str:
    record = next(t for t in run["tasks"] if t["key"] == task)
    return Path(record["log_path"]).read_text()


def test_training_then_batch_inference_on_the_spark_engine(project: Path) -> None:
    code, out = cli(project, "deploy", "-t", "local", "--auto-approve")
    assert code == 0, out

    code, out = cli(project, "run", "model_training_job", "-t", "local", "-o", "json")
    assert code == 0, out
    run = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    assert run["state"] == "SUCCESS", out
    model = "local.fare_model.fare_model-model"
    assert [v["version"] for v in run["results"]["model_versions"]] == ["1"], out
    train_log = task_log(project, run, "Train")
    assert "tpep_pickup_datetime" in train_log  # display() of the generated sample
    assert "skipped %pip" in train_log
    assert "spark: embedded Sail engine" in train_log
    sample = project / ".mlops-stacks/local/dbfs/databricks-datasets/nyctaxi-with-zipcodes"
    assert (sample / "subsampled" / "_delta_log").is_dir()

    moves = {(m["model"], m["alias"], str(m["after"]))
             for m in run["results"]["alias_moves"]}
    assert {(model, "challenger", "1"), (model, "champion", "1")} <= moves, moves

    code, out = cli(project, "run", "batch_inference_job", "-t", "local")
    assert code == 1, out
    assert "no task was started" in out
    assert "local.fare_model.feature_store_inference_input" in out
    assert 'mlops-stacks sql -t local "CREATE TABLE local.fare_model.feature_store_' in out
    runs = project / ".mlops-stacks/local/runs"
    # only the training run (runs/.active names the runs still going on)
    assert len([r for r in runs.iterdir() if r.is_dir() and not r.name.startswith(".")]) == 1

    code, out = cli(project, "run", "make_scoring_input", "-t", "local")
    assert code == 0, out
    code, out = cli(project, "run", "batch_inference_job", "-t", "local", "-o", "json")
    assert code == 0, out
    run = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    batch_log = task_log(project, run, "batch_inference_job")
    assert "runs in the task's own environment" in batch_log
    table = project / ".mlops-stacks/local/catalog/local/fare_model/predictions"
    assert (table / "_delta_log").is_dir()

    code, out = cli(project, "run", "read_predictions", "-t", "local")
    assert code == 0, out

    summary = sql(project, "CREATE OR REPLACE TABLE local.fare_model.summary AS "
                  "SELECT count(*) AS n, count(prediction) AS scored "
                  "FROM local.fare_model.predictions")
    assert summary["rows"] == []
    assert sql(project, "SELECT n, scored FROM local.fare_model.summary")["rows"] == [[50, 50]]


def sql(project: Path, query: str) -> dict:
    """``mlops-stacks sql`` in its own process, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "sql", query, "-t", "local", "-o", "json"],
        capture_output=True, text=True, cwd=project, env={**os.environ,
                                                          "MLOPS_STACKS_SPARK_REMOTE": ""})
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def spark_connect_server() -> Iterator[str]:
    """A Spark Connect server of its own (Sail's, in another process) on a free port."""
    code = ("import sys, time\nfrom pysail.spark import SparkConnectServer\n"
            "s = SparkConnectServer(port=0)\ns.start(background=True)\n"
            "print('%s:%s' % s.listening_address, flush=True)\nsys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ,
                                                                     "RUST_LOG": "warn"})
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    yield f"sc://{address}"
    proc.kill()
    proc.wait()


def test_training_runs_on_a_spark_connect_endpoint(
    project: Path, spark_connect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_STACKS_SPARK_REMOTE", spark_connect_server)
    code, out = cli(project, "run", "model_training_job", "-t", "local", "-o", "json")
    assert code == 0, out
    run = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    assert run["state"] == "SUCCESS", out
    for task in ("Train", "ModelValidation"):
        log = task_log(project, run, task)
        assert f"spark: Spark Connect endpoint {spark_connect_server}" in log, log
