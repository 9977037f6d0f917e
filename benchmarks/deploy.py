"""Benchmark ``mlops-stacks deploy`` to the local workspace on a generated project.

Three figures, each the median wall time over ``--repeat`` fresh copies of the
project, running the real CLI as a subprocess:

- first deploy: files, jobs, and the MLflow experiment and registered model
  (includes importing MLflow and creating the sqlite store);
- no-op redeploy: nothing changed (must not import MLflow);
- one-file redeploy: one notebook edited, so exactly one file is uploaded.

Then, against the fake Databricks workspace of the test suite (a local HTTP
server, ``tests/databricks/fake_server.py``) with only DATABRICKS_HOST and
DATABRICKS_TOKEN set: the no-op redeploy of the staging target, its wall time
(median) and the HTTP requests it sends (reads and writes).

The project is the built-in template rendered with its defaults (copier
``run_copy``, as the tests do). If the template does not produce a bundle
(``databricks.yml``), a synthetic bundle of the same shape is used instead and
the output says so.

Last, the figures at workspace scale (``deploy_scale.py``): 200 jobs and 500 files
against the fake workspace with 100 ms added to each request (request counts and
the sequential floor), and the local workspace with 500 and 5,000 jobs.

    python benchmarks/deploy.py [--repeat 3] [--no-databricks] [--no-scale]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deploy_scale  # noqa: E402 - the script's own folder

SYNTHETIC = {
    "databricks.yml": (
        "bundle:\n  name: synthetic\ninclude:\n  - resources/*.yml\n"
        "targets:\n  local:\n    default: true\n    workspace:\n      host: local\n"
    ),
    "resources/ml-artifacts-resource.yml": (
        "resources:\n  experiments:\n    experiment:\n"
        "      name: /Users/${workspace.current_user.userName}/synthetic-experiment\n"
        "  registered_models:\n    model:\n      name: synthetic-model\n"
        "      catalog_name: main\n      schema_name: ml\n"
    ),
    "resources/jobs-resource.yml": "resources:\n  jobs:\n" + "".join(
        f"    job_{i}:\n      name: job-{i}\n      tasks:\n        - task_key: T\n"
        f"          notebook_task:\n            notebook_path: ../notebooks/N{i}.py\n"
        for i in range(3)),
    **{f"notebooks/N{i}.py": "# Databricks notebook source\nprint('hi')\n" for i in range(3)},
    "data/sample.csv": "x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(3000)),
}


def generated_project(dest: Path) -> tuple[Path, str]:
    """Render the built-in template into ``dest``; return the bundle root and its origin."""
    try:
        from copier import run_copy

        from mlops_stacks.templates import builtin_template

        run_copy(str(builtin_template()), str(dest), data={"project_name": "bench-project"},
                 defaults=True, quiet=True, overwrite=True)
        found = sorted(dest.glob("*/databricks.yml")) + sorted(dest.glob("databricks.yml"))
        if found:
            return found[0].parent, "generated project (built-in template, defaults)"
        reason = "the template renders no databricks.yml yet"
    except Exception as exc:  # noqa: BLE001 - any render failure falls back to synthetic
        reason = f"rendering the template failed ({type(exc).__name__}: {exc})"
    shutil.rmtree(dest, ignore_errors=True)
    root = dest / "synthetic"
    for rel, text in SYNTHETIC.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (dest / ".gitignore").write_text(".mlops-stacks/\n")
    return root, f"SYNTHETIC bundle ({reason})"


def timed_deploy(root: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "deploy", "--auto-approve"], cwd=root,
        capture_output=True, text=True, env={**os.environ, "MLOPS_STACKS_NO_INPUT": "1"},
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"deploy failed in {root}:\n{proc.stdout}\n{proc.stderr}")
    files = next((ln for ln in proc.stdout.splitlines() if ln.startswith("Files:")), "")
    return elapsed, files


def one_file(root: Path) -> Path:
    notebooks = sorted(root.glob("*/notebooks/*.py")) or sorted(root.rglob("*.py"))
    return notebooks[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-databricks", dest="databricks", action="store_false",
                        help="Skip the no-op redeploy against the fake Databricks workspace.")
    parser.add_argument("--no-scale", dest="scale", action="store_false",
                        help="Skip the figures at workspace scale (deploy_scale.py).")
    deploy_scale.add_arguments(parser)
    args = parser.parse_args()
    if args.scale:
        deploy_scale.run_all(args)

    with tempfile.TemporaryDirectory(prefix="mlops-stacks-bench-") as tmp:
        template_dir = Path(tmp) / "template"
        root, origin = generated_project(template_dir)
        repo = template_dir
        print(f"Project: {origin}")
        n_files = sum(1 for p in root.rglob("*") if p.is_file())
        print(f"Bundle root: {root.relative_to(template_dir)} ({n_files} files)")
        times: dict[str, list[float]] = {"first": [], "noop": [], "one_file": []}
        lines: dict[str, str] = {}
        for i in range(args.repeat):
            copy = Path(tmp) / f"run{i}"
            shutil.copytree(repo, copy)
            subprocess.run(["git", "init", "-q", str(copy)], check=True)
            croot = copy / root.relative_to(repo)
            for label in ("first", "noop"):
                t, lines[label] = timed_deploy(croot)
                times[label].append(t)
            edited = one_file(croot)
            edited.write_text(edited.read_text() + f"\n# edit {i}\n")
            t, lines["one_file"] = timed_deploy(croot)
            times["one_file"].append(t)
        print(f"Median wall time over {args.repeat} runs (CLI subprocess, local target):")
        names = {"first": "first deploy", "noop": "no-op redeploy",
                 "one_file": "one-file redeploy"}
        for label, values in times.items():
            print(f"  {names[label]:<18} {statistics.median(values):6.2f} s   "
                  f"(min {min(values):.2f} s)   last: {lines[label]}")
        if args.databricks:
            databricks_noop(Path(tmp) / "run0" / root.relative_to(repo), args.repeat)


def databricks_noop(root: Path, repeat: int) -> None:
    """No-op redeploys of the staging target to the fake workspace: time and requests."""
    import re

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.databricks.fake_server import FakeDatabricks

    server = FakeDatabricks().start()
    try:
        yml = root / "databricks.yml"
        text = yml.read_text()
        found = re.search(r"\n  staging:\n    workspace:\n      host: (\S+)\n", text)
        if not found:
            print("Databricks no-op redeploy: skipped (no staging target with a host)")
            return
        yml.write_text(text.replace(found.group(0), found.group(0).replace(found.group(1),
                                                                           server.url)))
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
        env.update(DATABRICKS_HOST=server.url, DATABRICKS_TOKEN=server.token,
                   DATABRICKS_CONFIG_FILE=str(root / "no-databrickscfg"),
                   MLOPS_STACKS_NO_INPUT="1")
        cmd = [sys.executable, "-m", "mlops_stacks", "deploy", "-t", "staging", "--auto-approve"]

        def once() -> tuple[float, int, int]:
            mark = server.mark()
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"deploy -t staging failed:\n{proc.stdout}\n{proc.stderr}")
            return elapsed, len(server.requests) - mark, len(server.writes(mark))

        first = once()
        noops = [once() for _ in range(repeat)]
        t = statistics.median(x[0] for x in noops)
        print(f"Databricks (fake workspace over HTTP, staging target), {repeat} runs:")
        print(f"  first deploy       {first[0]:6.2f} s   {first[1]} requests, {first[2]} writes")
        print(f"  no-op redeploy     {t:6.2f} s   {noops[-1][1]} requests, {noops[-1][2]} writes "
              "(the deployment lock)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
