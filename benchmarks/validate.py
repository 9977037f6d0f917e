"""Benchmark ``mlops-stacks validate`` on bundles with 10, 100 and 1,000 jobs.

Each generated bundle has realistic jobs: three notebook tasks with
dependencies, job parameters, a schedule and notebooks that exist, spread over
included resource files (one per 10 jobs) as projects do. The command runs as
a subprocess several times per size; the script prints the median wall time,
the median CPU time (user + system of the child process: unlike wall time it
barely moves when other work loads the machine) and the CPU time per job net
of start-up, so growth (roughly linear) is easy to see.

Python byte code is cached in a temporary directory (as an installed package
has it compiled), also when ``PYTHONDONTWRITEBYTECODE`` is set.

    python benchmarks/validate.py [--sizes 10,100,1000] [--repeat 5] [--profile]

``--profile`` also runs the largest bundle in-process under cProfile and
prints the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _env(pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(NO_COLOR="1", PYTHONPYCACHEPREFIX=str(pycache))
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``args``; return (wall s, CPU s, output) and stop on failure."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu0
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{result.stdout}{result.stderr}")
    return wall, cpu, result.stdout


def time_validate(bundle: Path, repeat: int,
                  env: dict[str, str]) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, _ = timed_run([sys.executable, "-m", "mlops_stacks", "validate"], bundle, env)
        walls.append(wall)
        cpus.append(cpu)
    return walls, cpus


def time_startup(repeat: int, env: dict[str, str]) -> tuple[float, float]:
    runs = [timed_run([sys.executable, "-m", "mlops_stacks", "--version"], Path.cwd(), env)
            for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


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

    with tempfile.TemporaryDirectory(prefix="mlops-stacks-bench-") as tmp:
        env = _env(Path(tmp) / "pycache")
        timed_run([sys.executable, "-m", "mlops_stacks", "--version"], Path(tmp), env)  # compile
        start_wall, start_cpu = time_startup(args.repeat, env)
        load = os.getloadavg()[0]
        print(f"load average {load:.2f} on {os.cpu_count()} CPUs")
        print(f"process start-up (mlops-stacks --version): median {start_wall:.3f} s wall, "
              f"{start_cpu:.3f} s CPU")
        print(f"{'jobs':>6} {'wall s':>7} {'min s':>7} {'max s':>7} {'CPU s':>7} "
              f"{'CPU ms/job':>11} {'marginal':>9}")
        bundles = {n: make_bundle(Path(tmp) / f"b{n}", n) for n in sizes}
        first: tuple[int, float] | None = None
        for n in sizes:
            walls, cpus = time_validate(bundles[n], args.repeat, env)
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            per_job = (cpu - start_cpu) / n * 1000  # net of start-up
            # CPU per job added since the smallest size: flat when growth is linear
            marginal = (f"{(cpu - first[1]) / (n - first[0]) * 1000:9.2f}"
                        if first is not None and n > first[0] else f"{'':>9}")
            first = first or (n, cpu)
            print(f"{n:>6} {wall:>7.3f} {min(walls):>7.3f} {max(walls):>7.3f} {cpu:>7.3f} "
                  f"{per_job:>11.2f} {marginal}")
        if args.profile:
            profile(bundles[max(sizes)])


if __name__ == "__main__":
    main()
