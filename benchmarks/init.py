"""How long ``mlops-stacks init`` takes, against a bare ``copier copy`` of the same template.

Runs each command several times in fresh temporary folders (as a user would,
in a new process each time) and prints the medians and their ratio::

    python benchmarks/init.py [--runs 7]

``init`` does more than ``copier copy``: it checks the answers, renders into a
temporary folder and moves it into place, and creates a git repository with
one commit. The ``--no-git`` figure shows the cost of git alone.
Not a test: these machines are shared and timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def _time(command: list[str], runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``command`` (OUT replaced by a fresh folder each run).

    CPU time (user + system of the process and its children, e.g. git) is
    steadier than wall time on a shared machine.
    """
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="mlops-stacks-bench-") as tmp:
            out = str(Path(tmp) / "demo")
            args = [out if a == "OUT" else a for a in command]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(args, env=env, cwd=tmp, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if result.returncode != 0:
                raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default 7)")
    runs = parser.parse_args().runs

    from mlops_stacks.templates import builtin_template

    template = str(builtin_template())
    data = ["--data", "project_name=demo"]
    init = [_tool("mlops-stacks"), "init", "--defaults", *data, "OUT"]
    copier = [_tool("copier"), "copy", "--quiet", "--defaults", *data, template, "OUT"]

    rows = [
        ("mlops-stacks init", _time(init, runs)),
        ("mlops-stacks init --no-git", _time([*init[:2], "--no-git", *init[2:]], runs)),
        ("copier copy", _time(copier, runs)),
    ]
    print(f"runs per command: {runs}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'command':<28} {'wall (median)':>14} {'CPU (median)':>13}")
    for name, (wall, cpu) in rows:
        print(f"{name:<28} {wall:>12.3f} s {cpu:>11.3f} s")
    (_, (w_copier, c_copier)) = rows[-1]
    for name, (wall, cpu) in rows[:-1]:
        label = f"ratio {name[len('mlops-stacks ') :]} / copier copy:"
        print(f"{label:<40} wall {wall / w_copier:.2f}  CPU {cpu / c_copier:.2f}")


if __name__ == "__main__":
    main()
