"""The task graph of a job: dependencies, order, ``--only`` selection and ``run_if``.

A task depends on others through ``depends_on: [{task_key, outcome?}]``;
``outcome`` ("true"/"false") only applies to condition tasks and gates the
dependent on the branch the condition took. ``run_if`` decides whether a task
runs once its dependencies are done (Databricks semantics):

    ALL_SUCCESS (default)   every dependency succeeded
    AT_LEAST_ONE_SUCCESS    at least one succeeded
    NONE_FAILED             none failed and at least one succeeded
    ALL_DONE                always, once all dependencies are done
    AT_LEAST_ONE_FAILED     at least one failed
    ALL_FAILED              all failed

A dependency counts as *failed* when it FAILED or was SKIPPED because of an
upstream failure; as *excluded* when it was not run by choice (``--only``,
or a condition branch not taken), which ``ALL_SUCCESS`` propagates as EXCLUDED.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlops_stacks.errors import RunError
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.record import EXCLUDED, FAILED, SKIPPED, SUCCESS

RUN_IF = (
    "ALL_SUCCESS",
    "AT_LEAST_ONE_SUCCESS",
    "NONE_FAILED",
    "ALL_DONE",
    "AT_LEAST_ONE_FAILED",
    "ALL_FAILED",
)


@dataclass(frozen=True)
class Dependency:
    task_key: str
    outcome: str | None = None  # "true"/"false" for a condition task dependency


@dataclass
class TaskNode:
    key: str
    settings: JsonObject
    depends_on: list[Dependency] = field(default_factory=list)
    run_if: str = "ALL_SUCCESS"


@dataclass
class TaskGraph:
    """Tasks by key, in a dependency-respecting order."""

    nodes: dict[str, TaskNode]
    order: list[str]

    def dependents(self, key: str) -> list[str]:
        return [k for k in self.order if any(d.task_key == key for d in self.nodes[k].depends_on)]


def build_graph(tasks: list[JsonObject] | None, job_key: str = "job") -> TaskGraph:
    """Check the tasks of a job and order them; ``RunError`` for bad references or cycles."""
    if not tasks:
        raise RunError(
            f"Job '{job_key}' has no tasks to run.",
            hint="Add tasks under resources.jobs.<key>.tasks in the bundle configuration.",
        )
    nodes: dict[str, TaskNode] = {}
    for i, task in enumerate(tasks):
        key = task.get("task_key") if isinstance(task, dict) else None
        if not key or not isinstance(key, str):
            raise RunError(f"Task #{i + 1} of job '{job_key}' has no task_key.")
        if key in nodes:
            raise RunError(f"Job '{job_key}' has two tasks with task_key '{key}'.")
        run_if = str(task.get("run_if") or "ALL_SUCCESS")
        if run_if not in RUN_IF:
            raise RunError(
                f"Task '{key}' of job '{job_key}' has run_if '{run_if}'.",
                hint="Valid values: " + ", ".join(RUN_IF) + ".",
            )
        deps = []
        for dep in task.get("depends_on") or []:
            dkey = dep.get("task_key") if isinstance(dep, dict) else None
            if not dkey:
                raise RunError(
                    f"Task '{key}' of job '{job_key}' has a depends_on without task_key."
                )
            outcome = dep.get("outcome")
            deps.append(Dependency(str(dkey), None if outcome is None else str(outcome).lower()))
        nodes[key] = TaskNode(key=key, settings=task, depends_on=deps, run_if=run_if)

    for node in nodes.values():
        for dep in node.depends_on:
            if dep.task_key not in nodes:
                raise RunError(
                    f"Task '{node.key}' of job '{job_key}' depends on unknown task "
                    f"'{dep.task_key}'.",
                    hint="Known tasks: " + ", ".join(nodes) + ".",
                )
            if dep.outcome is not None and "condition_task" not in nodes[dep.task_key].settings:
                raise RunError(
                    f"Task '{node.key}' depends on '{dep.task_key}' with outcome "
                    f"'{dep.outcome}', but '{dep.task_key}' is not a condition task."
                )
    return TaskGraph(nodes=nodes, order=_topological_order(nodes, job_key))


def _topological_order(nodes: dict[str, TaskNode], job_key: str) -> list[str]:
    """Kahn's algorithm, keeping the declaration order among ready tasks."""
    remaining = {k: {d.task_key for d in n.depends_on} for k, n in nodes.items()}
    order: list[str] = []
    while remaining:
        ready = [k for k, deps in remaining.items() if not deps]
        if not ready:
            raise RunError(
                f"The tasks of job '{job_key}' depend on each other in a cycle: "
                + " -> ".join(_find_cycle(remaining))
                + ".",
                hint="Remove one of these depends_on entries.",
            )
        for k in ready:
            order.append(k)
            del remaining[k]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def _find_cycle(remaining: dict[str, set[str]]) -> list[str]:
    start = next(iter(remaining))
    path = [start]
    seen = {start: 0}
    node = start
    while True:
        node = next(iter(sorted(remaining[node])))
        if node in seen:
            return path[seen[node] :] + [node]
        seen[node] = len(path)
        path.append(node)


def select(graph: TaskGraph, only: list[str] | None) -> set[str]:
    """The task keys that run: all, or those named by ``--only`` (``RunError`` for unknown ones)."""
    if not only:
        return set(graph.order)
    names = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in graph.nodes]
    if unknown:
        raise RunError(
            "Unknown task(s) for --only: " + ", ".join(unknown) + ".",
            hint="Tasks of this job: " + ", ".join(graph.order) + ".",
        )
    return set(names)


def decide(
    node: TaskNode,
    states: dict[str, str],
    results: JsonObject,
    selected: set[str] | None = None,
) -> tuple[str | None, str]:
    """Whether ``node`` runs once its dependencies are done.

    Returns ``(None, "")`` to run it, or ``(state, reason)`` with SKIPPED or
    EXCLUDED. ``states`` holds the final state of each dependency and
    ``results`` the outcome of condition tasks. Dependencies outside
    ``selected`` (``--only``) are ignored, as if they had succeeded earlier.
    """
    deps = [d for d in node.depends_on if selected is None or d.task_key in selected]
    if not deps:
        return None, ""
    ok, failed, excluded = [], [], []
    branches: list[str] = []  # conditions that took the other branch
    for dep in deps:
        state = states[dep.task_key]
        if state == SUCCESS:
            if dep.outcome is not None and str(results.get(dep.task_key)).lower() != dep.outcome:
                excluded.append(dep.task_key)
                branches.append(f"condition {dep.task_key} was "
                                f"{str(results.get(dep.task_key)).lower()}")
            else:
                ok.append(dep.task_key)
        elif state in (FAILED, SKIPPED):
            failed.append(dep.task_key)
        else:  # EXCLUDED, CANCELED
            excluded.append(dep.task_key)
    total = len(deps)
    rule = node.run_if
    if rule == "ALL_SUCCESS":
        runs = len(ok) == total
    elif rule == "AT_LEAST_ONE_SUCCESS":
        runs = bool(ok)
    elif rule == "NONE_FAILED":
        runs = not failed and bool(ok)
    elif rule == "ALL_DONE":
        runs = True
    elif rule == "AT_LEAST_ONE_FAILED":
        runs = bool(failed)
    else:  # ALL_FAILED
        runs = len(failed) == total
    if runs:
        return None, ""
    if failed and rule in ("ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED"):
        return SKIPPED, "upstream task(s) failed: " + ", ".join(failed)
    if branches and len(branches) == len(excluded):
        return EXCLUDED, "branch not taken: " + ", ".join(branches)
    if rule == "ALL_SUCCESS" and excluded:
        return EXCLUDED, "upstream task(s) not run: " + ", ".join(excluded)
    if rule in ("AT_LEAST_ONE_SUCCESS", "NONE_FAILED") and not ok and not failed:
        return EXCLUDED, "upstream task(s) not run: " + ", ".join(excluded)
    return SKIPPED, f"run_if {rule} not met"
