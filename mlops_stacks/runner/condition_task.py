"""condition_task: the runner compares two values itself, without a process.

Reads: the task's ``condition_task`` (``left``, ``op``, ``right``, references
filled in from ``Execution.refs``). Changes: the task's record (result
``"true"``/``"false"``, state) and its log. Which dependents then run is decided
by ``dag.decide`` from that result (``run_if`` and ``outcome``).
"""

from __future__ import annotations

from mlops_stacks.runner.condition import evaluate
from mlops_stacks.runner.execution import Execution
from mlops_stacks.runner.record import FAILED, SUCCESS


def run_condition(run: Execution, key: str) -> None:
    """Evaluate condition task ``key`` and finish it."""
    cond = run.plan.graph.nodes[key].settings["condition_task"]
    left = run.refs.substitute(cond.get("left", ""), key)
    right = run.refs.substitute(cond.get("right", ""), key)
    op = str(cond.get("op"))
    try:
        outcome = evaluate(op, left, right)
    except ValueError as exc:
        run.log(key, f"[mlops-stacks] condition failed: {exc}")
        run.finish_task(key, FAILED, str(exc))
        return
    result = "true" if outcome else "false"
    run.log(key, f"[mlops-stacks] condition {left!r} {op} {right!r} -> {result}")
    run.record.tasks[key].result = result
    run.finish_task(key, SUCCESS)
