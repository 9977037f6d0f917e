"""for_each_task: run the inner task once per input, ``concurrency`` at a time.

``start`` reads the task's ``inputs`` (a JSON list, references filled in) and
registers the loop in ``Execution.foreach``; the scheduler calls ``spawn_next``
while there is room; ``iteration_done`` appends each iteration's log to the
task's log and, when the last one has ended, finishes the task: SUCCESS, or
FAILED naming the first failed iteration.

Reads: the task's ``for_each_task`` settings, ``Execution.refs``, the
iterations' logs and ``out.json``. Changes: ``Execution.foreach``, the task's
record and log.
"""

from __future__ import annotations

import json
from dataclasses import replace

from mlops_stacks.runner import kinds
from mlops_stacks.runner.execution import Execution, ForEach
from mlops_stacks.runner.params import ReferenceError_, text_value
from mlops_stacks.runner.record import FAILED, SUCCESS, read_log_tail
from mlops_stacks.runner.task_launch import read_json, spawn


def start(run: Execution, key: str) -> None:
    """Begin the for-each task ``key``: check its inputs and queue its iterations."""
    spec = run.plan.graph.nodes[key].settings["for_each_task"]
    raw = run.refs.substitute(spec.get("inputs"), key)
    try:
        inputs = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        inputs = None
    if not isinstance(inputs, list):
        error = f"for_each_task inputs must be a JSON list, got {raw!r}"
        run.log(key, f"[mlops-stacks] {error}")
        run.finish_task(key, FAILED, error)
        return
    run.log(key, f"[mlops-stacks] for_each over {len(inputs)} input(s)")
    if not inputs:
        run.finish_task(key, SUCCESS)
        return
    run.foreach[key] = ForEach(inputs, max(1, int(spec.get("concurrency") or 1)))


def spawn_next(run: Execution, key: str, each: ForEach) -> None:
    """Start the next iteration of ``key`` with its input as ``{{input}}``."""
    index = each.next
    each.next += 1
    each.running += 1
    item = each.inputs[index]
    extra = {"input": text_value(item)}
    if isinstance(item, dict):
        extra.update({f"input.{k}": text_value(v) for k, v in item.items()})
    refs = replace(run.refs, extra=extra)
    inner = run.plan.graph.nodes[key].settings["for_each_task"]["task"]
    try:
        spawn(run, key, kinds.task_kind(inner), inner, iteration=index, refs=refs)
    except ReferenceError_ as exc:
        each.running -= 1
        each.done += 1
        each.failed.append((index, str(exc), ""))
        _check_done(run, key, each)


def iteration_done(run: Execution, key: str, index: int, code: int, timed_out: bool) -> None:
    """Record how iteration ``index`` of ``key`` ended."""
    each = run.foreach[key]
    each.running -= 1
    each.done += 1
    name = f"{key}.iter{index}"
    log = run.tasks_dir / f"{name}.log"
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    run.log(key, f"--- iteration {index} (input {each.inputs[index]!r}) ---\n{text}")
    if code != 0 or timed_out:
        out = read_json(run.tasks_dir / f"{name}.out.json")
        error = "timed out" if timed_out else out.get("error") or f"exit status {code}"
        each.failed.append((index, error, str(log)))
    _check_done(run, key, each)


def _check_done(run: Execution, key: str, each: ForEach) -> None:
    if each.done < len(each.inputs):
        return
    del run.foreach[key]
    if not each.failed:
        run.finish_task(key, SUCCESS)
        return
    index, error, log = sorted(each.failed)[0]
    summary = (
        f"{len(each.failed)} of {len(each.inputs)} iterations failed; "
        f"iteration {index} (input {each.inputs[index]!r}): {error}"
    )
    run.finish_task(key, FAILED, summary)
    if log:
        run.record.tasks[key].log_tail = read_log_tail(log)
        run.save()
