"""Wall time of the generated project's jobs on the local workspace.

Generates a default project, deploys it to the local target, then times
``mlops-stacks run model_training_job`` and ``mlops-stacks run batch_inference_job``
on the shipped sample data, each in a new process as a user would run them,
and prints the median over ``--runs`` runs, with each task's own duration::

    python benchmarks/pipeline.py [--runs 3]

Not a test: these machines are shared and timings are noisy.
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


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=env,
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"mlops-stacks {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def time_job(job: str, project: Path, runs: int) -> tuple[float, dict[str, float]]:
    """Median wall time of running ``job``, and the median duration of each of its tasks."""
    walls: list[float] = []
    tasks: dict[str, list[float]] = {}
    for _ in range(runs):
        start = time.perf_counter()
        cli("run", job, cwd=project)
        walls.append(time.perf_counter() - start)
        newest = json.loads(cli("runs", "list", job, "-o", "json", cwd=project).stdout)[0]
        for task in newest["tasks"]:
            if task.get("start_time") and task.get("end_time"):
                tasks.setdefault(task["key"], []).append(task["end_time"] - task["start_time"])
    return statistics.median(walls), {k: statistics.median(v) for k, v in tasks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per job (median printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-stacks-pipeline-") as tmp:
        cli("init", "--defaults", "--no-git", "--data", "project_name=demo", "demo", cwd=Path(tmp))
        project = Path(tmp) / "demo" / "demo"
        start = time.perf_counter()
        cli("deploy", "--auto-approve", cwd=project)
        print(f"first deploy: {time.perf_counter() - start:.2f} s")
        for job in ("model_training_job", "batch_inference_job"):
            wall, tasks = time_job(job, project, args.runs)
            print(f"{job}: median {wall:.2f} s wall over {args.runs} run(s)")
            for key, seconds in tasks.items():
                print(f"  {key}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
