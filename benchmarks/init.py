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


def _time(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` (the placeholder OUT replaced by a fresh folder)."""
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="mlops-stacks-bench-") as tmp:
            out = str(Path(tmp) / "demo")
            args = [out if a == "OUT" else a for a in command]
            start = time.perf_counter()
            result = subprocess.run(args, env=env, cwd=tmp, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if result.returncode != 0:
                raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
            times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default 7)")
    runs = parser.parse_args().runs

    from mlops_stacks.templates import builtin_template

    template = str(builtin_template())
    data = ["--data", "project_name=demo"]
    init = [_tool("mlops-stacks"), "init", "--defaults", *data, "OUT"]
    copier = [_tool("copier"), "copy", "--quiet", "--defaults", *data, template, "OUT"]

    t_init = _time(init, runs)
    t_nogit = _time([*init[:2], "--no-git", *init[2:]], runs)
    t_copier = _time(copier, runs)
    print(f"runs per command:                 {runs}")
    print(f"mlops-stacks init (median):       {t_init:.3f} s")
    print(f"mlops-stacks init --no-git:       {t_nogit:.3f} s")
    print(f"copier copy (median):             {t_copier:.3f} s")
    print(f"ratio init / copier copy:         {t_init / t_copier:.2f}")
    print(f"ratio init --no-git / copier:     {t_nogit / t_copier:.2f}")


if __name__ == "__main__":
    main()
