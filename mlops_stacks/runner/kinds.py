"""Task kinds the local runner supports, and the checks made before a run starts.

    notebook_task      a Databricks source-format notebook, in its own process
    spark_python_task  a Python file with ``parameters`` as argv, in its own process
    python_wheel_task  an installed package's entry point, in its own process
    condition_task     a comparison, evaluated by the runner; gates ``outcome`` branches
    run_job_task       another job of the bundle, run through a callback
    for_each_task      one of the process kinds above, once per input ({{input}})

Other kinds (Spark JARs, SQL, dbt, pipelines, ...) need a Databricks
workspace: a run that selects one stops before starting, naming what works.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from mlops_stacks.errors import RunError
from mlops_stacks.jsontypes import JsonObject, JsonValue

NOTEBOOK = "notebook"
PYTHON_FILE = "python_file"
PYTHON_WHEEL = "python_wheel"
CONDITION = "condition"
RUN_JOB = "run_job"
FOR_EACH = "for_each"

KINDS = {
    "notebook_task": NOTEBOOK,
    "spark_python_task": PYTHON_FILE,
    "python_wheel_task": PYTHON_WHEEL,
    "condition_task": CONDITION,
    "run_job_task": RUN_JOB,
    "for_each_task": FOR_EACH,
}
PROCESS_KINDS = (NOTEBOOK, PYTHON_FILE, PYTHON_WHEEL)
_JOB_ID_REF = re.compile(r"^\$\{resources\.jobs\.([^.}]+)\.id\}$")


def task_kind(settings: JsonObject) -> str:
    """The runner's name for the kind of a task ("notebook", ...), or the raw key if unsupported."""
    for key in settings:
        if key in KINDS:
            return KINDS[key]
    for key in settings:
        if key.endswith("_task"):
            return key
    return "unknown"


def check_supported(key: str, settings: JsonObject, job_key: str) -> str:
    kind = task_kind(settings)
    if kind in KINDS.values():
        return kind
    from mlops_stacks.bundle.schema.loader import task_types

    if kind not in task_types():  # no task type at all: a typo, or a field left out
        summary, hint = _nothing_to_run(key, settings, job_key, task_types())
        raise RunError(summary, hint=hint)
    raise RunError(
        f"Task '{key}' of job '{job_key}' is a {kind}, which the local runner cannot run.",
        hint="Local runs support notebook_task, spark_python_task, python_wheel_task, "
        "condition_task, run_job_task and for_each_task. Run this job on a Databricks target "
        "(--target dev), or leave the task out with --only.",
    )


def _nothing_to_run(key: str, settings: JsonObject, job_key: str,
                    types: tuple[str, ...]) -> tuple[str, str]:
    """The error for a task with no task type: the unknown field that may be one, and the fix."""
    from mlops_stacks.bundle.schema.loader import task_fields
    from mlops_stacks.bundle.suggest import closest

    unknown = [field for field in settings if field not in task_fields()]
    guesses = [(field, closest(field, types)) for field in unknown
               if field.endswith("_task") or closest(field, types)]
    where = "(`mlops-stacks validate` shows its file and line)"
    if guesses:
        field, match = guesses[0]
        better = f' (did you mean "{match}"?)' if match else ""
        return (f"Task '{key}' of job '{job_key}' has nothing to run: its field "
                f"'{field}' is not a task type{better}.",
                f"Rename the field in the job's task {where}, then deploy again.")
    return (f"Task '{key}' of job '{job_key}' has nothing to run: it has no task type "
            f"({', '.join(sorted(KINDS))} run locally).",
            f"Give the task one of them {where}, then deploy again.")


def local_file(
    key: str, workspace_path: str, resolve_path: Callable[[str], Path], what: str
) -> Path:
    """The local file of a task's notebook or Python file; ``RunError`` if it is missing."""
    try:
        local = Path(resolve_path(workspace_path))
    except Exception as exc:  # noqa: BLE001 - the resolver's own error, made readable
        raise RunError(f"Task '{key}': cannot locate {what} '{workspace_path}': {exc}") from exc
    if (
        not local.is_file()
        and local.suffix != ".py"
        and local.with_name(local.name + ".py").is_file()
    ):
        local = local.with_name(local.name + ".py")
    if not local.is_file():
        raise RunError(
            f"Task '{key}': {what} '{workspace_path}' does not exist (looked for {local}).",
            hint="Check the path in the job's task, then deploy again to sync the files "
            "(`mlops-stacks deploy`).",
        )
    return local


def prepare_task(
    key: str,
    settings: JsonObject,
    job_key: str,
    resolve_path: Callable[[str], Path],
    can_run_jobs: bool,
) -> tuple[str, Path | None]:
    """Check one selected task before the run; returns its kind and local file (if any)."""
    kind = check_supported(key, settings, job_key)
    if kind == NOTEBOOK:
        path = (settings["notebook_task"] or {}).get("notebook_path")
        if not path:
            raise RunError(f"Task '{key}' of job '{job_key}' has no notebook_task.notebook_path.")
        return kind, local_file(key, str(path), resolve_path, "notebook")
    if kind == PYTHON_FILE:
        path = (settings["spark_python_task"] or {}).get("python_file")
        if not path:
            raise RunError(f"Task '{key}' of job '{job_key}' has no spark_python_task.python_file.")
        return kind, local_file(key, str(path), resolve_path, "Python file")
    if kind == PYTHON_WHEEL:
        wheel = settings["python_wheel_task"] or {}
        if not wheel.get("package_name") or not wheel.get("entry_point"):
            raise RunError(
                f"Task '{key}' of job '{job_key}' needs python_wheel_task.package_name "
                "and entry_point."
            )
    if kind == CONDITION:
        cond = settings["condition_task"] or {}
        if not cond.get("op"):
            raise RunError(f"Task '{key}' of job '{job_key}' has a condition_task without op.")
    if kind == FOR_EACH:
        each = settings["for_each_task"] or {}
        inner = each.get("task")
        if each.get("inputs") in (None, "") or not isinstance(inner, dict):
            raise RunError(
                f"Task '{key}' of job '{job_key}' needs for_each_task.inputs and "
                "for_each_task.task."
            )
        inner_kind = check_supported(f"{key}.task", inner, job_key)
        if inner_kind not in PROCESS_KINDS:
            raise RunError(
                f"Task '{key}' of job '{job_key}' repeats a {inner_kind} task; locally a "
                "for_each_task can repeat notebook, spark_python and python_wheel tasks."
            )
        return FOR_EACH, prepare_task(key, inner, job_key, resolve_path, can_run_jobs)[1]
    if kind == RUN_JOB:
        if not (settings["run_job_task"] or {}).get("job_id"):
            raise RunError(f"Task '{key}' of job '{job_key}' has a run_job_task without job_id.")
        if not can_run_jobs:
            raise RunError(
                f"Task '{key}' of job '{job_key}' runs another job, which this run cannot do.",
                hint="Run in the foreground (without --no-wait), or run the other job on its own.",
            )
    return kind, None


def job_reference(job_id: JsonValue) -> str:
    """The job a run_job_task names: a job key for ``${resources.jobs.<key>.id}``, else the id."""
    text = str(job_id)
    m = _JOB_ID_REF.match(text)
    return m.group(1) if m else text


def wheel_argv(wheel: JsonObject, job_params: dict[str, str]) -> list[str]:
    """argv of a python_wheel_task: ``parameters``, or ``named_parameters`` as ``--k=v``."""
    if wheel.get("parameters"):
        return [str(p) for p in wheel["parameters"]]
    named = {**(wheel.get("named_parameters") or {})}
    if named or job_params:
        named = {**named, **job_params}
    return [f"--{k}={v}" for k, v in named.items()]
