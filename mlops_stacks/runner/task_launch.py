"""Task launch: start the process of a notebook, Python file or wheel task, and read how it ended.

``spawn`` writes the task's spec (``tasks/<name>.spec.json``: path, widgets or
argv with ``{{...}}`` references filled in, the task values so far) and starts
its process through the run's ``Launcher``; ``process_done`` reads the process's
``tasks/<name>.out.json`` when it has ended and finishes the task, or hands it to
``retries``.

Reads: the plan (task settings, files, parameters), ``Execution.refs``.
Changes: ``Execution.running``, the task's record (pid, start method, values,
result, state) and its log.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mlops_stacks.fileio import atomic_write_json
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner import kinds
from mlops_stacks.runner.execution import Execution, Running, TimedOut
from mlops_stacks.runner.launch import own_environment
from mlops_stacks.runner.params import RefContext
from mlops_stacks.runner.process import ForkWaitExpired
from mlops_stacks.runner.record import FAILED, SUCCESS
from mlops_stacks.runner.retries import schedule_retry


def spawn(
    run: Execution,
    key: str,
    kind: str,
    settings: JsonObject,
    iteration: int | None = None,
    refs: RefContext | None = None,
) -> None:
    """Start the process of task ``key`` (or of one iteration of a for_each task)."""
    refs = refs or run.refs
    name = key if iteration is None else f"{key}.iter{iteration}"
    spec: JsonObject = {
        "kind": kind,
        "task_key": key,
        "run_id": run.run_id,
        "task_values": {k: dict(v) for k, v in run.refs.task_values.items()},
        "out_path": str(run.tasks_dir / f"{name}.out.json"),
        "modules_out": str(run.tasks_dir / f"{name}.modules.json"),
    }
    if kind == kinds.NOTEBOOK:
        nb = settings["notebook_task"]
        widgets = {
            **{k: str(v) for k, v in (nb.get("base_parameters") or {}).items()},
            **run.plan.parameters,
        }
        spec["widgets"] = refs.substitute(widgets, key)
        spec["path"] = str(run.plan.files[key])
    elif kind == kinds.PYTHON_FILE:
        py = settings["spark_python_task"]
        spec["argv"] = refs.substitute([str(a) for a in py.get("parameters") or []], key)
        spec["path"] = str(run.plan.files[key])
    else:
        wheel = settings["python_wheel_task"]
        spec["package_name"] = wheel["package_name"]
        spec["entry_point"] = wheel["entry_point"]
        spec["argv"] = refs.substitute(kinds.wheel_argv(wheel, run.plan.parameters), key)
    spec_path = run.tasks_dir / f"{name}.spec.json"
    from mlops_stacks.secrets import process_secrets

    if process_secrets().mask(spec) != spec:  # holds secrets: read once, then removed
        spec["remove_after_read"] = True
    atomic_write_json(spec_path, spec)
    Path(spec["out_path"]).unlink(missing_ok=True)
    task = run.record.tasks[key]
    if task.attempts > 1 and iteration is None:
        run.log(key, f"\n[mlops-stacks] attempt {task.attempts}")
    log_path = Path(task.log_path or "")
    if iteration is not None:
        log_path = run.tasks_dir / f"{name}.log"
    cwd = Path(spec["path"]).parent if "path" in spec else run.run_dir
    env = {
        **os.environ,
        **run.env,
        "MLOPS_STACKS_RUN_ID": run.run_id,
        "MLOPS_STACKS_JOB_KEY": run.plan.job_key,
        "MLOPS_STACKS_TASK_KEY": key,
        "PYTHONUNBUFFERED": "1",
    }
    timeout = settings.get("timeout_seconds")
    deadline = run.started + run.time_limit[0] if run.time_limit else None
    try:
        proc = run.launcher.start(
            spec_path, log_path, env, cwd,
            fresh_reason=own_environment(settings, run.plan.job), deadline=deadline,
        )
    except ForkWaitExpired:
        raise TimedOut from None
    if iteration is None:
        task.pid, task.start_method = proc.pid, proc.start_method
        run.save()
    run.running[name] = Running(
        proc,
        time.monotonic(),
        float(timeout) if timeout else None,
        task_key=key,
        iteration=iteration,
    )


def process_done(run: Execution, key: str, code: int, timed_out: bool) -> None:
    """Finish task ``key`` whose process ended with ``code`` (or retry it)."""
    task = run.record.tasks[key]
    out = read_json(run.tasks_dir / f"{key}.out.json")
    values = out.get("values") or {}
    task.values = values
    run.refs.task_values[key] = values
    if code == 0 and not timed_out:
        task.result = out.get("result")
        run.finish_task(key, SUCCESS)
        return
    error = out.get("error") or f"the task process exited with status {code}"
    if timed_out:
        error = f"timed out after {run.plan.graph.nodes[key].settings['timeout_seconds']} s"
    if schedule_retry(run, key, timed_out):
        task.error = error
        run.save()
        return
    run.finish_task(key, FAILED, error)


def read_json(path: Path) -> JsonObject:
    """The JSON object in ``path``; ``{}`` when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
