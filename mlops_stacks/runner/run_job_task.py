"""run_job_task: run another job of the bundle to completion, as a child run.

Reads: the task's ``run_job_task`` (job reference, ``job_parameters`` with
references filled in). Calls ``Execution.run_other_job`` (supplied by the
workspace, which knows the bundle's jobs) and waits for it. Changes: the task's
record (``child_run_id``, state) and its log, which gets the failed child tasks'
errors and log tails.
"""

from __future__ import annotations

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.runner import kinds
from mlops_stacks.runner.execution import Execution
from mlops_stacks.runner.record import FAILED, SUCCESS


def run_other_job(run: Execution, key: str) -> None:
    """Run the job that task ``key`` names and finish the task with its outcome."""
    assert run.run_other_job is not None
    spec = run.plan.graph.nodes[key].settings["run_job_task"]
    ref = kinds.job_reference(spec["job_id"])
    job_params = {
        str(k): str(v)
        for k, v in (run.refs.substitute(spec.get("job_parameters") or {}, key)).items()
    }
    run.log(key, f"[mlops-stacks] running job '{ref}' with parameters {job_params}")
    try:
        child = run.run_other_job(ref, job_params)
    except MlopsStacksError as exc:
        run.log(key, f"[mlops-stacks] {exc}")
        run.finish_task(key, FAILED, exc.message)
        return
    task = run.record.tasks[key]
    task.child_run_id = child.run_id
    run.log(key, f"[mlops-stacks] run {child.run_id} of job '{ref}' ended {child.state}")
    if child.state == SUCCESS:
        run.finish_task(key, SUCCESS)
        return
    for failed in child.failed_tasks():
        run.log(key, f"--- task '{failed.key}' of run {child.run_id}: {failed.error}")
        run.log(key, "\n".join(failed.log_tail))
    run.finish_task(
        key,
        FAILED,
        f"job '{ref}' run {child.run_id} ended {child.state}"
        + (f": {child.error}" if child.error else ""),
    )
