"""A Spark task's start-up overhead: a local run's task against the same notebook in
one warm process (``python benchmarks/pipeline.py --spark``, or this file alone).

Writes a one-notebook bundle whose notebook reads the generated NYC taxi sample
and runs two Spark queries, deploys it to the local target and runs the job once
(so the fork server learns what to preload and the sample exists). Then, ``--runs``
times, it takes the task's duration from the run record, and the time of the same
notebook code executed in one process whose session is already started. The job
has two tasks running the notebook one after the other: the first also waits for
the run's fork server to import the client (once per run); the second shows what
each further task pays for its process, its engine and its session. The target is
1.5 s or less. Not a test: timings on shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NOTEBOOK = """# Databricks notebook source
trips = spark.read.format("delta").load("/databricks-datasets/nyctaxi-with-zipcodes/subsampled")
longer = trips.filter("trip_distance > 1").count()
total = spark.range(1000).selectExpr("sum(id) AS s").collect()[0]["s"]
"""
BUNDLE = """bundle: {name: spark_startup}
resources:
  jobs:
    spark_job:
      name: spark-job
      tasks:
        - task_key: first
          notebook_task: {notebook_path: ./Query.py}
        - task_key: second
          depends_on: [{task_key: first}]
          notebook_task: {notebook_path: ./Query.py}
targets:
  local: {default: true, workspace: {host: local}}
"""
WARM = """
import json, os, statistics, sys, time
from mlops_stacks.runner.spark.session import get_session
spark = get_session()
code = compile(open(sys.argv[1]).read(), "Query.py", "exec")
seconds = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    exec(code, {"spark": spark})
    seconds.append(time.perf_counter() - start)
print(json.dumps(seconds))
"""


def _cli(project: Path, *args: str) -> str:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    done = subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=project, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mlops-stacks {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def measure(runs: int) -> dict[str, float]:
    """Medians: each task's duration in a local run, and the same code warm."""
    from mlops_stacks import load_bundle, open_workspace

    with tempfile.TemporaryDirectory(prefix="mlops-stacks-spark-") as tmp:
        project = Path(tmp) / "spark_startup"
        project.mkdir()
        (project / "databricks.yml").write_text(BUNDLE, encoding="utf-8")
        (project / "Query.py").write_text(NOTEBOOK, encoding="utf-8")
        _cli(project, "deploy", "--auto-approve")
        _cli(project, "run", "spark_job")  # learns the preload, writes the sample
        seconds: dict[str, list[float]] = {"first": [], "second": []}
        for _ in range(runs):
            record = json.loads(_cli(project, "run", "spark_job", "-o", "json"))
            for task in record["tasks"]:
                seconds[task["key"]].append(task["end_time"] - task["start_time"])
        bundle, _ = load_bundle(project, target="local")
        assert bundle is not None
        workspace: Any = open_workspace(bundle)  # the local target's LocalWorkspace
        env = {**os.environ, **workspace.mlflow_env()}
        done = subprocess.run([sys.executable, "-c", WARM, str(project / "Query.py"),
                               str(runs)], env=env, capture_output=True, text=True, check=True)
        warm = json.loads(done.stdout.strip().splitlines()[-1])
    return {"first": statistics.median(seconds["first"]),
            "second": statistics.median(seconds["second"]), "warm": statistics.median(warm)}


def report(runs: int) -> None:
    started = time.perf_counter()
    got = measure(runs)
    print(f"spark task: first task of a run {got['first']:.2f} s (it waits for the run's fork "
          f"server to import the client), next task {got['second']:.2f} s, the same notebook "
          f"warm in one process {got['warm']:.2f} s; overhead of a task "
          f"{got['second'] - got['warm']:.2f} s (target <= 1.5 s), of a run's first task "
          f"{got['first'] - got['warm']:.2f} s (medians of {runs}, "
          f"{time.perf_counter() - started:.0f} s in all; load {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    report(parser.parse_args().runs)
