"""Scheduling: the loop that starts ready tasks and collects finished ones until none is left.

Each turn: reap task processes that ended (or ran past their own
``timeout_seconds``); for every PENDING task whose upstream tasks are done, let
``dag.decide`` settle it without running (SKIPPED/EXCLUDED by ``run_if`` or a
condition's outcome) or launch it while fewer than ``max_parallel`` processes
run; start for-each iterations and due retries the same way. Raises
``TimedOut`` once the run's time limit has passed.

Reads: the plan's graph, the task states and results. Changes: through the
task-kind modules (``task_launch``, ``foreach``, ``condition_task``,
``run_job_task``, ``retries``), ``Execution.running`` and the task records.
"""

from __future__ import annotations

import time

from mlops_stacks.runner import foreach, kinds, retries
from mlops_stacks.runner.condition_task import run_condition
from mlops_stacks.runner.dag import decide
from mlops_stacks.runner.execution import Execution, TimedOut
from mlops_stacks.runner.params import ReferenceError_
from mlops_stacks.runner.record import FAILED, PENDING, RUNNING, TERMINAL_STATES
from mlops_stacks.runner.run_job_task import run_other_job
from mlops_stacks.runner.task_launch import process_done, spawn

POLL_SECONDS = 0.05


def loop(run: Execution) -> None:
    """Run the plan's selected tasks until every one has ended."""
    graph = run.plan.graph
    while True:
        if run.time_limit and time.monotonic() - run.started > run.time_limit[0]:
            raise TimedOut
        progressed = reap(run)
        for key in graph.order:
            task = run.record.tasks[key]
            if task.state != PENDING or key in run.retries:
                continue
            deps = [
                d.task_key
                for d in graph.nodes[key].depends_on
                if d.task_key in run.plan.selected
            ]
            if any(run.record.tasks[d].state not in TERMINAL_STATES for d in deps):
                continue
            states = {k: t.state for k, t in run.record.tasks.items()}
            results = {k: t.result for k, t in run.record.tasks.items()}
            verdict, reason = decide(graph.nodes[key], states, results, run.plan.selected)
            if verdict is not None:
                run.finish_task(key, verdict, reason)
                progressed = True
                continue
            if len(run.running) >= run.max_parallel:
                continue
            launch(run, key)
            progressed = True
        for key, each in run.foreach.items():
            while (
                each.next < len(each.inputs)
                and each.running < each.concurrency
                and len(run.running) < run.max_parallel
            ):
                foreach.spawn_next(run, key, each)
                progressed = True
        for key in retries.due(run):
            launch(run, key)
            progressed = True
        if (
            not run.running
            and not run.retries
            and not any(t.state in (PENDING, RUNNING) for t in run.record.tasks.values())
        ):
            return
        if not progressed:
            time.sleep(POLL_SECONDS)


def launch(run: Execution, key: str) -> None:
    """Start task ``key`` the way its kind runs."""
    kind = run.plan.kinds[key]
    run.start_task(key)
    try:
        if kind in kinds.PROCESS_KINDS:
            spawn(run, key, kind, run.plan.graph.nodes[key].settings)
        elif kind == kinds.FOR_EACH:
            foreach.start(run, key)
        elif kind == kinds.CONDITION:
            run_condition(run, key)
        elif kind == kinds.RUN_JOB:
            run_other_job(run, key)
    except ReferenceError_ as exc:
        run.log(key, f"[mlops-stacks] {exc}")
        run.finish_task(key, FAILED, str(exc))


def reap(run: Execution) -> bool:
    """Finish the task processes that ended (or ran out of time)."""
    progressed = False
    for key, proc in list(run.running.items()):
        code = proc.process.poll()
        if code is None:
            if (
                proc.timeout
                and not proc.timed_out
                and time.monotonic() - proc.started > proc.timeout
            ):
                proc.timed_out = True
                run.log(key, f"[mlops-stacks] timed out after {proc.timeout:g} s")
                proc.process.stop()
                code = proc.process.poll()
            else:
                continue
        del run.running[key]
        progressed = True
        code = code if code is not None else -1
        if proc.iteration is not None:
            foreach.iteration_done(run, proc.task_key, proc.iteration, code, proc.timed_out)
        else:
            process_done(run, key, code, proc.timed_out)
    return progressed
