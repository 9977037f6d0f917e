"""Semantic checks of jobs: task keys, the task graph, cluster/environment keys, schedules.

The schema says each field has the right shape; these checks look across
fields: ``depends_on`` must name tasks of the same job, the graph must be
acyclic, ``job_cluster_key``/``environment_key`` must name entries the job
defines (a missing job cluster is a warning, as in the Databricks CLI), each
task does exactly one kind of work, and the schedule must be valid Quartz cron.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlops_stacks.bundle.checks.cron import FORMAT_HELP, cron_problem, zone_problem
from mlops_stacks.bundle.nodes import Node, format_path
from mlops_stacks.bundle.schema.loader import task_types
from mlops_stacks.bundle.schema.locate import key_location
from mlops_stacks.bundle.schema.suggest import closest
from mlops_stacks.bundle.schema.validator import is_reference
from mlops_stacks.diagnostics import Diagnostic, error, warning

#: Fields that say what a task does (``*_task`` fields of the derived task
#: shape); a task needs exactly one.
TASK_TYPES = task_types()

_TASK_TYPE_SET = frozenset(TASK_TYPES)

Path = tuple[str | int, ...]


def _string(node: Node | None) -> str | None:
    if node is None or not isinstance(node.value, str) or is_reference(node.value):
        return None
    return node.value


def _entries(node: Node | None) -> list[Node]:
    return [n for n in node.value if n.is_map] if node is not None and node.is_list else []


def check_jobs(tree: Node) -> Iterator[Diagnostic]:
    jobs = tree.at("resources", "jobs")
    for key, job in (jobs.items() if jobs is not None else ()):
        if job.is_map:
            yield from check_job(job, ("resources", "jobs", key))


def check_job(job: Node, path: Path) -> Iterator[Diagnostic]:
    tasks = _entries(job.get("tasks"))
    by_key: dict[str, tuple[int, Node]] = {}
    for index, task in enumerate(tasks):
        task_key = _string(task.get("task_key"))
        if task_key is None:
            continue
        if task_key in by_key:
            first_index, first = by_key[task_key]
            diag = error(
                f'duplicate task_key "{task_key}"',
                # the value was read from this key above: the node exists
                task.get("task_key").loc,  # type: ignore[union-attr]
                path=format_path(path + ("tasks", index, "task_key")),
                detail=f"tasks[{first_index}] already uses this key. "
                "Task keys must be unique within a job: rename one of them.",
            )
            # the value was read from this key above: the node exists
            diag.locations.append(first.get("task_key").loc)  # type: ignore[union-attr]
            yield diag
            continue
        by_key[task_key] = (index, task)

    yield from _check_definitions(job, path, "job_clusters", "job_cluster_key")
    yield from _check_definitions(job, path, "environments", "environment_key")
    yield from _check_parameters(job, path)
    clusters = _defined(job, "job_clusters", "job_cluster_key")
    environments = _defined(job, "environments", "environment_key")
    for index, task in enumerate(tasks):
        task_path = path + ("tasks", index)
        yield from _check_task(task, task_path, by_key, clusters, environments)
    yield from _check_cycles(tasks, by_key, path)
    yield from check_schedule(job.get("schedule"), path + ("schedule",))


def _defined(job: Node, list_field: str, key_field: str) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for entry in _entries(job.get(list_field)):
        name = _string(entry.get(key_field))
        if name is not None and name not in out:
            out[name] = entry
    return out


def _check_definitions(
    job: Node, path: Path, list_field: str, key_field: str
) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, entry in enumerate(_entries(job.get(list_field))):
        name = _string(entry.get(key_field))
        if name is None:
            continue
        if name in seen:
            yield error(
                f'duplicate {key_field} "{name}"',
                # the value was read from this key above: the node exists
                entry.get(key_field).loc,  # type: ignore[union-attr]
                path=format_path(path + (list_field, index, key_field)),
                detail=f"Each entry of {list_field} needs its own {key_field}.",
            )
        seen.add(name)


def _check_parameters(job: Node, path: Path) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, entry in enumerate(_entries(job.get("parameters"))):
        name = _string(entry.get("name"))
        if name is None:
            continue
        if name in seen:
            yield error(
                f'duplicate job parameter "{name}"',
                # the value was read from this key above: the node exists
                entry.get("name").loc,  # type: ignore[union-attr]
                path=format_path(path + ("parameters", index, "name")),
                detail="Job parameter names must be unique: remove or rename one.",
            )
        seen.add(name)


def _check_task(
    task: Node,
    path: Path,
    by_key: dict[str, tuple[int, Node]],
    clusters: dict[str, Node],
    environments: dict[str, Node],
) -> Iterator[Diagnostic]:
    name = _string(task.get("task_key")) or format_path(path)
    kinds = [k for k in task.value if k in _TASK_TYPE_SET]
    if not kinds:
        yield warning(  # the Databricks CLI leaves this to the Jobs API at deploy
            f'task "{name}" has nothing to run',
            task.loc,
            path=format_path(path),
            detail="Add one of notebook_task, spark_python_task, python_wheel_task, "
            "run_job_task or condition_task.",
        )
    elif len(kinds) > 1:
        yield error(
            f'task "{name}" sets more than one kind of work: {", ".join(kinds)}',
            key_location(task, kinds[1]),
            path=format_path(path + (kinds[1],)),
            detail="A task does exactly one thing; split it into several tasks.",
        )

    for index, dep in enumerate(_entries(task.get("depends_on"))):
        upstream = _string(dep.get("task_key"))
        if upstream is None:
            continue
        if upstream in by_key and upstream != name and dep.get("outcome") is None:
            continue  # the common, valid case
        dep_path = format_path(path + ("depends_on", index, "task_key"))
        # the value was read from this key above: the node exists
        loc = dep.get("task_key").loc  # type: ignore[union-attr]
        if upstream == name:
            yield error(f'task "{name}" depends on itself', loc, path=dep_path,
                        detail="Remove this depends_on entry.")
        elif upstream not in by_key:
            hint = closest(upstream, by_key)
            known = ", ".join(f'"{k}"' for k in by_key) or "none"
            yield error(
                f'task "{name}" depends on unknown task "{upstream}"',
                loc,
                path=dep_path,
                detail=(f'Did you mean "{hint}"? ' if hint else "")
                + f"Tasks of this job: {known}.",
            )
        elif dep.get("outcome") is not None and by_key[upstream][1].get("condition_task") is None:
            yield error(
                f'depends_on "{upstream}" sets an outcome, '
                f'but "{upstream}" is not a condition_task',
                # the value was read from this key above: the node exists
                dep.get("outcome").loc,  # type: ignore[union-attr]
                path=format_path(path + ("depends_on", index, "outcome")),
                detail="outcome only applies to condition tasks; remove it.",
            )

    for field, defined, list_field in (
        ("job_cluster_key", clusters, "job_clusters"),
        ("environment_key", environments, "environments"),
    ):
        wanted = _string(task.get(field))
        if wanted is None or wanted in defined:
            continue
        hint = closest(wanted, defined)
        known = ", ".join(f'"{k}"' for k in defined)
        # The Databricks CLI warns about a job_cluster_key the job does not define (the
        # Jobs API refuses it at deploy; locally the task runs on the local machine).
        make = warning if field == "job_cluster_key" else error
        yield make(
            f'task "{name}" uses undefined {field} "{wanted}"',
            # the value was read from this key above: the node exists
            task.get(field).loc,  # type: ignore[union-attr]
            path=format_path(path + (field,)),
            detail=(f'Did you mean "{hint}"? ' if hint else "")
            + (f"The job defines: {known}." if known else
               f"Define it under the job's {list_field}: [{{{field}: {wanted}, ...}}]."),
        )

    inner = task.at("for_each_task", "task")
    if inner is not None and inner.is_map:
        yield from _check_task(inner, path + ("for_each_task", "task"), by_key, clusters,
                               environments)


def _check_cycles(
    tasks: list[Node], by_key: dict[str, tuple[int, Node]], path: Path
) -> Iterator[Diagnostic]:
    graph: dict[str, list[str]] = {}
    for key, (_, task) in by_key.items():
        graph[key] = [
            up for dep in _entries(task.get("depends_on"))
            if (up := _string(dep.get("task_key"))) in by_key and up != key
        ]
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    reported: set[frozenset[str]] = set()
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        trail = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                trail.pop()
                state[node] = 2
                continue
            if state.get(child) == 1:
                cycle = trail[trail.index(child):] + [child]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    index, task = by_key[cycle[0]]
                    dep_index, dep = _dependency(task, cycle[1])
                    yield error(
                        "dependency cycle between tasks: " + " -> ".join(cycle),
                        dep.loc,
                        path=format_path(path + ("tasks", index, "depends_on", dep_index)),
                        detail="Tasks run after the tasks they depend on, so a cycle can "
                        "never start. Remove one of these depends_on entries.",
                    )
            elif not state.get(child):
                state[child] = 1
                trail.append(child)
                stack.append((child, iter(graph[child])))


def _dependency(task: Node, upstream: str) -> tuple[int, Node]:
    """The ``depends_on`` entry of ``task`` that names ``upstream``."""
    for index, dep in enumerate(_entries(task.get("depends_on"))):
        if _string(dep.get("task_key")) == upstream:
            return index, dep
    return 0, task  # not reached: cycles are built from these entries


def check_schedule(schedule: Node | None, path: Path) -> Iterator[Diagnostic]:
    """A ``schedule`` mapping's Quartz cron expression must parse (and can fire), and its
    ``timezone_id`` must be a time zone ID."""
    if schedule is None or not schedule.is_map:
        return
    zone_node = schedule.get("timezone_id")
    zone = _string(zone_node)
    if zone is not None and zone_problem(zone):
        yield error(
            f'invalid timezone_id "{zone[:60]}": {zone_problem(zone)}',
            # the value was read from this key above: the node exists
            zone_node.loc,  # type: ignore[union-attr]
            path=format_path(path + ("timezone_id",)),
            detail='Use a Java/IANA time zone ID such as "UTC", "Europe/Amsterdam" or '
            '"America/New_York".',
        )
    expr_node = schedule.get("quartz_cron_expression")
    expr = _string(expr_node)
    if expr is None:
        return
    problem = cron_problem(expr)
    if problem:
        yield error(
            f'invalid cron expression "{expr}": {problem}',
            # the value was read from this key above: the node exists
            expr_node.loc,  # type: ignore[union-attr]
            path=format_path(path + ("quartz_cron_expression",)),
            detail=FORMAT_HELP,
        )
