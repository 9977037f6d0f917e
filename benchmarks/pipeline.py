"""Wall time of the generated project's jobs on the local workspace, against the floor.

Generates a default project and deploys it to the local target. Then, for the
training job and for batch inference, it times in turns:

- ``mlops-stacks run JOB`` in a new process, as a user runs it;
- the floor: the same steps in one new Python process (import the libraries
  once, then call the generated project's own functions: train, validate and
  promote; or score), with the same MLflow store and parameters;

and prints the median of each over ``--runs`` runs, their ratio, and each
task's own duration. It also prints the start-up time of ``mlops-stacks --help``::

    python benchmarks/pipeline.py [--runs 3]

``--spark`` prints a Spark task's start-up overhead instead (``spark_task.py``).

Not a test: these machines are shared and timings are noisy; the load average
is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

# The training job's three tasks, in one process, with the project's functions.
TRAINING_FLOOR = """
import mlflow
from common.data import LABEL, load_trips, split_train_holdout
from common.features import build_features
from common.mlflow_setup import configure_mlflow
from deployment.deploy import promote_if_better
from training.train import parse_hyperparameters, train_and_register
from validation.validate import check_mode, evaluate_version, mark_challenger

trips = load_trips(P["training_data_path"])
configure_mlflow(P["experiment_name"])
hyper = parse_hyperparameters(P["n_estimators"], P["max_depth"], P["learning_rate"])
trained = train_and_register(
    trips, model_name=P["model_name"], params=hyper,
    training_data_path=P["training_data_path"],
)
_, holdout = split_train_holdout(trips)
features = build_features(holdout)
evaluation = features.copy()
evaluation[LABEL] = holdout[LABEL].to_numpy()
with mlflow.start_run(run_name=f"validate-v{trained.model_version}"):
    evaluate_version(trained.model_uri, evaluation, mode=check_mode(P["validation_mode"]))
mark_challenger(trained.model_name, trained.model_version)
promote_if_better(trained.model_name, trained.model_version, holdout, features)
"""

# The batch inference job's task, in one process.
INFERENCE_FLOOR = """
from batch_inference.predict import score_file
from common.data import load_trips
from common.features import build_features
from common.mlflow_setup import configure_mlflow

trips = load_trips(P["input_data_path"], require_label=False)
configure_mlflow()
score_file(P["model_name"], trips, build_features(trips), P["output_path"])
"""

FLOORS = {"model_training_job": TRAINING_FLOOR, "batch_inference_job": INFERENCE_FLOOR}


def command() -> list[str]:
    """How a user starts mlops-stacks: the console script beside this Python, if any."""
    script = Path(sys.executable).with_name("mlops-stacks")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlops_stacks"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    result = subprocess.run(
        [*command(), *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"mlops-stacks {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def floor_script(project: Path, job: str, folder: Path) -> tuple[Path, dict[str, str]]:
    """Write the floor of ``job`` as a script; return it and the environment it runs with."""
    from mlops_stacks import load_bundle, open_workspace

    bundle, _ = load_bundle(project, target="local")
    assert bundle is not None
    workspace = open_workspace(bundle)
    settings = workspace.job_settings(job)
    params = {p["name"]: str(p.get("default", "")) for p in settings.get("parameters") or []}
    files = workspace.files_dir
    script = folder / f"floor_{job}.py"
    script.write_text(
        f"import os, sys\nsys.path.insert(0, {str(files)!r})\nos.chdir({str(files)!r})\n"
        f"P = {params!r}\n" + textwrap.dedent(FLOORS[job]),
        encoding="utf-8",
    )
    env = {**os.environ, **workspace.mlflow_env()}
    return script, env


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def time_job(job: str, project: Path, runs: int, folder: Path) -> None:
    """Print the median wall time of ``run JOB``, of its floor, their ratio and each task's."""
    script, env = floor_script(project, job, folder)
    cli_env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    walls: list[float] = []
    floors: list[float] = []
    tasks: dict[str, list[float]] = {}
    for _ in range(runs):
        walls.append(timed([*command(), "run", job], project, cli_env))
        floors.append(timed([sys.executable, str(script)], project, env))
        newest = json.loads(cli("runs", "list", job, "-o", "json", cwd=project).stdout)[0]
        for task in newest["tasks"]:
            if task.get("start_time") and task.get("end_time"):
                tasks.setdefault(task["key"], []).append(task["end_time"] - task["start_time"])
    wall, floor = statistics.median(walls), statistics.median(floors)
    print(
        f"{job}: run {wall:.2f} s, one-process floor {floor:.2f} s, "
        f"ratio {wall / floor:.2f}x (medians of {runs})"
    )
    for key, seconds in tasks.items():
        print(f"  task {key}: {statistics.median(seconds):.2f} s")


def help_time(runs: int) -> float:
    return statistics.median(timed([*command(), "--help"], Path.cwd()) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per job (median printed)")
    parser.add_argument("--spark", action="store_true",
                        help="only the Spark task start-up figure (benchmarks/spark_task.py)")
    args = parser.parse_args()
    if args.spark:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from spark_task import report

        report(max(args.runs, 5))
        return
    tmp = Path(tempfile.mkdtemp(prefix="mlops-stacks-pipeline-"))
    try:
        cli("init", "--defaults", "--no-git", "--data", "project_name=demo", "demo", cwd=tmp)
        project = tmp / "demo" / "demo"
        start = time.perf_counter()
        cli("deploy", "--auto-approve", cwd=project)
        print(f"first deploy: {time.perf_counter() - start:.2f} s")
        for job in ("model_training_job", "batch_inference_job"):
            time_job(job, project, args.runs, tmp)
        print(f"mlops-stacks --help: {help_time(max(5, args.runs)):.2f} s")
        print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
              f" (1, 5, 15 min) on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
