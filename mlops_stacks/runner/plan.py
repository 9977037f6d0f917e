"""A job checked before it runs: ``prepare_run`` -> ``RunPlan``, and the run's time limit.

Reads: the job's settings (tasks, parameters, ``timeout_seconds``), the files its
tasks name and the packages it declares. Changes nothing: it raises
``RunError``/``MissingDependencyError`` when the job cannot run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner import kinds, spark
from mlops_stacks.runner.dag import TaskGraph, build_graph, select
from mlops_stacks.runner.databricks_only import check_databricks_only
from mlops_stacks.runner.params import check_static_references, job_parameters
from mlops_stacks.runner.requirements import check_requirements
from mlops_stacks.runner.spark.inputs import check_input_tables
from mlops_stacks.runner.spark.pins import check_engine_pins


@dataclass
class RunPlan:
    """A checked job, ready to execute."""

    job: JsonObject
    job_key: str
    job_id: str
    graph: TaskGraph
    selected: set[str]
    parameters: dict[str, str]
    kinds: dict[str, str]
    files: dict[str, Path]


def prepare_run(
    job: JsonObject,
    *,
    job_key: str,
    resolve_path: Callable[[str], Path],
    params: dict[str, str] | None = None,
    only: list[str] | None = None,
    can_run_jobs: bool = True,
    check_deps: bool = True,
    files_root: Path | None = None,
    job_id: str | None = None,
) -> RunPlan:
    """Check a job before running it; ``RunError``/``MissingDependencyError`` say what is wrong."""
    graph = build_graph(job.get("tasks"), job_key)
    selected = select(graph, only)
    parameters = job_parameters(job, params, job_key)
    task_kinds: dict[str, str] = {}
    files: dict[str, Path] = {}
    for key in graph.order:
        settings = graph.nodes[key].settings
        if key not in selected:
            task_kinds[key] = kinds.task_kind(settings)
            continue
        kind, local = kinds.prepare_task(key, settings, job_key, resolve_path, can_run_jobs)
        task_kinds[key] = kind
        if local is not None:
            files[key] = local
        check_static_references(key, settings, parameters, set(graph.nodes))
    check_databricks_only(files, job_key, files_root)
    check_input_tables(job, job_key=job_key, tasks=selected, parameters=parameters,
                       files_root=files_root)
    if check_deps:
        declared = check_requirements(
            job, resolve_path=resolve_path, job_key=job_key, tasks=selected, files_root=files_root
        )
        if spark.preload_distributions(files.values()):  # the tasks run on the Spark engine
            check_engine_pins(declared, job_key)
    return RunPlan(
        job=job,
        job_key=job_key,
        job_id=str(job_id or job.get("job_id") or job.get("id") or job_key),
        graph=graph,
        selected=selected,
        parameters=parameters,
        kinds=task_kinds,
        files=files,
    )


def time_limit(job: JsonObject, timeout: float | None) -> tuple[float, str] | None:
    """(seconds, where it comes from) of the shorter of ``timeout`` and the job's
    ``timeout_seconds`` (0 or unset: no limit)."""
    limits: list[tuple[float, str]] = []
    if timeout:
        limits.append((float(timeout), "--timeout"))
    try:
        job_limit = float(job.get("timeout_seconds") or 0)
    except (TypeError, ValueError):
        job_limit = 0.0
    if job_limit > 0:
        limits.append((job_limit, "the job's timeout_seconds"))
    return min(limits) if limits else None
