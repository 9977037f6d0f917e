"""Deploy at workspace scale: many jobs and many files, with latency added to each request.

Run by ``benchmarks/deploy.py`` (or alone: ``python benchmarks/deploy_scale.py``).
Against the fake Databricks workspace of the test suite with ``--latency`` seconds
(0.1 by default) added to every request, the real CLI as a subprocess:

- a bundle of ``--jobs`` jobs (200; ten included files): first deploy, no-op
  redeploy, one-change redeploy, ``plan`` and destroy;
- a project of ``--files`` files (500): first deploy (the sync) and a no-op deploy;

each with its wall time (the quick ones: median of ``--runs`` runs, and the CLI's
start-up on its own first; where this checkout compiles its modules on every run, those two
again with them compiled once beforehand, as an installed package has them), the CLI's CPU
time (on a busy machine, wall time is mostly waiting for a core), its request count, how
many of them were made one after another (the round trips waited for in sequence), and the
sequential floor (requests × latency: what one request at a time would take at least).
Then the local workspace: first deploy and destroy of ``--local-small`` and
``--local-jobs`` jobs (500 and 5,000), and how far from linear growth the larger one is.
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
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:
    from tests.databricks.fake_server import Request

NOTEBOOK = "# Databricks notebook source\nprint('hi')\n"


def write_bundle(root: Path, jobs: int, files: int, host: str, per_file: int = 0) -> Path:
    """A bundle of ``jobs`` jobs (``per_file`` a file; default: ten files) and ``files``
    extra files."""
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "src").mkdir(exist_ok=True)
    (root / "databricks.yml").write_text(
        "bundle:\n  name: scale\ninclude:\n  - resources/*.yml\ntargets:\n"
        "  local:\n    default: true\n    workspace:\n      host: local\n"
        f"  staging:\n    workspace:\n      host: {host}\n")
    (root / "src" / "main.py").write_text(NOTEBOOK)
    per_file = per_file or max(1, -(-jobs // 10))
    for n, start in enumerate(range(0, jobs, per_file)):
        text = "resources:\n  jobs:\n" + "".join(
            f"    job_{i}:\n      name: scale-job-{i}\n      tasks:\n        - task_key: T\n"
            f"          spark_python_task:\n            python_file: ../src/main.py\n"
            for i in range(start, min(jobs, start + per_file)))
        (root / "resources" / f"jobs_{n}.yml").write_text(text)
    for i in range(files):
        path = root / "src" / f"pkg{i % 20}" / f"module_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE = {i}\n")
    (root / ".gitignore").write_text(".mlops-stacks/\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def run(root: Path, env: dict[str, str], *args: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one CLI command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"mlops-stacks {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def start_up(root: Path, env: dict[str, str], repeat: int) -> None:
    """What every command pays before its own work: the CLI's start-up (``--version``),
    and ``validate`` of the bundle on its local target (no request)."""
    print("  start-up, no request:")
    for label, cmd in (("mlops-stacks --version", ("--version",)),
                       (f"validate ({root.name}, local target)", ("validate",))):
        runs = [run(root, env, *cmd) for _ in range(max(repeat, 1))]
        seconds, cpu = (statistics.median(r[i] for r in runs) for i in range(2))
        print(f"    {label:<32} {seconds:6.2f} s  (CPU {cpu:5.2f} s)  median of {len(runs)}")
    if uncached_bytecode():
        print("    (PYTHONDONTWRITEBYTECODE is set and this checkout has no __pycache__: each run "
              "compiles the package's modules, which an installed mlops-stacks has compiled)")


def uncached_bytecode() -> bool:
    """Whether each CLI run compiles the package's modules (this checkout, in an environment
    that writes no bytecode)."""
    package = Path(__file__).resolve().parents[1] / "mlops_stacks"
    compiles = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    return compiles and not (package / "__pycache__").is_dir()


def longest_chain(requests: list[Request]) -> int:
    """The most requests of ``requests`` that were made one after another (each sent after
    the one before it was answered): the round trips the command waited for in sequence."""
    ordered = sorted(requests, key=lambda r: r.received)
    chain: list[int] = []
    for i, req in enumerate(ordered):
        chain.append(1 + max((chain[j] for j in range(i) if ordered[j].answered <= req.received),
                             default=0))
    return max(chain, default=0)


def remote(args: argparse.Namespace, tmp: Path) -> None:
    from tests.databricks.fake_server import FakeDatabricks

    server = FakeDatabricks().start()
    server.latency = args.latency
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    env.update(DATABRICKS_HOST=server.url, DATABRICKS_TOKEN=server.token,
               DATABRICKS_CONFIG_FILE=str(tmp / "no-databrickscfg"), MLOPS_STACKS_NO_INPUT="1")
    deploy = ("deploy", "-t", "staging", "--auto-approve")
    try:
        print(f"Databricks (fake workspace, {args.latency * 1000:.0f} ms added to each request, "
              f"--parallelism {os.environ.get('MLOPS_STACKS_PARALLELISM', '10')}):")
        jobs = write_bundle(tmp / "jobs", args.jobs, 0, server.url)
        start_up(jobs, env, args.runs)

        def measure(label: str, root: Path, *cmd: str, repeat: int = 1,
                    cli_env: dict[str, str] = env) -> None:
            runs = []
            for _ in range(repeat):
                mark = len(server.requests)
                seconds, cpu = run(root, cli_env, *cmd)
                made = server.requests[mark:]
                runs.append((seconds, cpu, len(made), longest_chain(made)))
            seconds, cpu, count, chain = (statistics.median(r[i] for r in runs) for i in range(4))
            floor = count * args.latency
            print(f"  {label:<34} {seconds:6.2f} s  (CPU {cpu:5.2f} s)  {count:5.0f} requests, "
                  f"{chain:3.0f} one after another  (sequential floor {floor:6.1f} s)"
                  + (f"  median of {repeat}" if repeat > 1 else ""))

        measure(f"{args.jobs} jobs: first deploy", jobs, *deploy)
        before = len(server.state.jobs)
        measure(f"{args.jobs} jobs: no-op redeploy", jobs, *deploy, repeat=args.runs)
        first = jobs / "resources" / "jobs_0.yml"
        first.write_text(first.read_text().replace("name: scale-job-0\n", "name: scale-job-0b\n"))
        measure(f"{args.jobs} jobs: one-change redeploy", jobs, *deploy)
        measure(f"{args.jobs} jobs: plan", jobs, "plan", "-t", "staging", repeat=args.runs)
        if uncached_bytecode():
            # The same two, with the package's modules compiled once beforehand (as an
            # installed mlops-stacks has them) in a cache of this run.
            cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            cached["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
            run(jobs, cached, "plan", "-t", "staging")
            measure("  no-op redeploy, bytecode cached", jobs, *deploy, repeat=args.runs,
                    cli_env=cached)
            measure("  plan, bytecode cached", jobs, "plan", "-t", "staging", repeat=args.runs,
                    cli_env=cached)
        measure(f"{args.jobs} jobs: destroy", jobs, "destroy", "-t", "staging", "--auto-approve")
        print(f"  jobs created {before} (wanted {args.jobs}); left after destroy "
              f"{len(server.state.jobs)}")
        files = write_bundle(tmp / "files", 1, args.files, server.url)
        measure(f"{args.files} files: first deploy", files, *deploy)
        measure(f"{args.files} files: no-op deploy", files, *deploy)
    finally:
        server.stop()


def local(args: argparse.Namespace, tmp: Path) -> None:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    print("Local workspace (one spark_python_task a job, 100 jobs a file):")
    figures: dict[int, tuple[float, float]] = {}
    for count in (args.local_small, args.local_jobs):
        root = tmp / f"local{count}"
        write_bundle(root, count, 0, "local", per_file=100)
        first, first_cpu = run(root, env, "deploy", "--auto-approve")
        gone, gone_cpu = run(root, env, "destroy", "--auto-approve")
        figures[count] = (first, gone)
        print(f"  {count:5d} jobs: first deploy {first:6.2f} s (CPU {first_cpu:5.2f} s)   "
              f"destroy {gone:6.2f} s (CPU {gone_cpu:5.2f} s)")
    small, big = figures[args.local_small], figures[args.local_jobs]
    scale = args.local_jobs / args.local_small
    print(f"  growth x{scale:g} in jobs: deploy x{big[0] / small[0]:.1f}, "
          f"destroy x{big[1] / small[1]:.1f} (linear: x{scale:g}; 2x of linear: x{2 * scale:g})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    run_all(parser.parse_args())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--latency", type=float, default=0.1,
                        help="Seconds added to each request of the fake workspace.")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--local-small", type=int, default=500)
    parser.add_argument("--local-jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3,
                        help="Runs of the quick commands (start-up, no-op redeploy, plan); "
                        "their median is shown.")
    parser.add_argument("--no-local", dest="local", action="store_false")
    parser.add_argument("--no-remote", dest="remote", action="store_false")


def run_all(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-stacks-scale-") as tmp:
        if args.remote:
            remote(args, Path(tmp))
        if args.local:
            local(args, Path(tmp))


if __name__ == "__main__":
    main()
