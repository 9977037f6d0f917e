"""Benchmark ``mlops-stacks validate`` on bundles with 10, 100 and 1,000 jobs.

Each generated bundle has realistic jobs: three notebook tasks with
dependencies, job parameters, a schedule and notebooks that exist, spread over
included resource files (one per 10 jobs) as projects do. The command runs as
a subprocess several times per size; the script prints the median wall time
and the time per job, so growth (roughly linear) is easy to see.

    python benchmarks/validate.py [--sizes 10,100,1000] [--repeat 5] [--profile]

``--profile`` also runs the largest bundle in-process under cProfile and
prints the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JOB = """\
    job_{i:04d}:
      name: job-{i:04d}-${{bundle.target}}
      parameters:
        - name: env
          default: ${{bundle.target}}
        - name: input_path
          default: data/input_{i}.csv
      schedule:
        quartz_cron_expression: "0 {minute} {hour} ? * MON-FRI"
        timezone_id: UTC
        pause_status: PAUSED
      tags:
        team: ml
      tasks:
        - task_key: Prepare
          notebook_task:
            notebook_path: ../notebooks/Prepare.py
            base_parameters:
              stage: prepare
        - task_key: Train
          depends_on:
            - task_key: Prepare
          notebook_task:
            notebook_path: ../notebooks/Train.py
          max_retries: 1
        - task_key: Evaluate
          depends_on:
            - task_key: Train
          notebook_task:
            notebook_path: ../notebooks/Evaluate.py
"""

ROOT = """\
bundle:
  name: bench_{n}
include:
  - resources/*.yml
variables:
  catalog:
    default: main
targets:
  local:
    default: true
    mode: development
    workspace:
      host: local
  prod:
    mode: production
    workspace:
      host: local
"""


def make_bundle(directory: Path, n_jobs: int) -> Path:
    """Write a bundle with ``n_jobs`` jobs into ``directory``."""
    (directory / "resources").mkdir(parents=True)
    (directory / "notebooks").mkdir()
    for name in ("Prepare", "Train", "Evaluate"):
        (directory / "notebooks" / f"{name}.py").write_text(
            f"# Databricks notebook source\nprint('{name}')\n"
        )
    (directory / "databricks.yml").write_text(ROOT.format(n=n_jobs))
    per_file = 10
    for start in range(0, n_jobs, per_file):
        body = "resources:\n  jobs:\n" + "".join(
            JOB.format(i=i, minute=i % 60, hour=(i // 60) % 24)
            for i in range(start, min(start + per_file, n_jobs))
        )
        (directory / "resources" / f"jobs_{start // per_file:03d}.yml").write_text(body)
    return directory


def time_validate(bundle: Path, repeat: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    env["NO_COLOR"] = "1"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "mlops_stacks", "validate"],
            cwd=bundle, env=env, capture_output=True, text=True,
        )
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"validate failed on {bundle}:\n{result.stdout}{result.stderr}")
    return times


def time_startup(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mlops_stacks", "--version"],
                       capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def profile(bundle: Path, top: int = 25) -> None:
    import cProfile
    import pstats

    from mlops_stacks.bundle import load_bundle

    profiler = cProfile.Profile()
    profiler.enable()
    _, diags = load_bundle(bundle)
    profiler.disable()
    assert not diags.has_errors(), diags
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    startup = time_startup(args.repeat)
    print(f"process start-up (mlops-stacks --version): median {startup:.3f} s")
    print(f"{'jobs':>6} {'median s':>9} {'min s':>7} {'max s':>7} {'ms/job (net)':>13}")
    with tempfile.TemporaryDirectory(prefix="mlops-stacks-bench-") as tmp:
        bundles = {n: make_bundle(Path(tmp) / f"b{n}", n) for n in sizes}
        for n in sizes:
            times = time_validate(bundles[n], args.repeat)
            median = statistics.median(times)
            per_job = (median - startup) / n * 1000
            print(f"{n:>6} {median:>9.3f} {min(times):>7.3f} {max(times):>7.3f} {per_job:>13.2f}")
        if args.profile:
            profile(bundles[max(sizes)])


if __name__ == "__main__":
    main()
