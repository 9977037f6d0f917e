"""Local job runs: a deployed job's tasks, run on this machine for real.

dag.py           task graph: depends_on, run_if, order, cycles, --only
params.py        job parameters, widget values, {{...}} references
kinds.py         supported task kinds and the checks before a run
requirements.py  declared packages must be installed before a run
engine.py        run_job: admit, execute, close the record (its parts below)
plan.py          prepare_run: the checks before a run; the run's time limit
execution.py     a run's state; start/finish a task, save, emit, log
schedule.py      the loop: reap ended tasks, decide, launch ready ones
task_launch.py   notebook / Python file / wheel task processes
retries.py       max_retries, retry_on_timeout, min_retry_interval_millis
foreach.py       for_each_task iterations
condition_task.py  condition_task, evaluated by the runner
run_job_task.py  run_job_task: a child run of another job
cancel.py        stop everything on Ctrl-C, SIGTERM, timeout
process.py       one process per task; clean stop
task_main.py     the task process: runs a notebook / Python file / wheel entry point
notebook.py      Databricks source-format notebooks -> cells
dbutils.py       the local dbutils handed to notebooks
condition.py     condition_task comparisons
record.py        RunRecord persisted as run.json; list_runs, unfinished_runs, load_run
events.py        RunEvent for live views
detached.py      runs that go on in the background (run --no-wait)
"""

from mlops_stacks.runner.detached import cancel_run, start_detached
from mlops_stacks.runner.engine import run_job
from mlops_stacks.runner.events import RunEvent
from mlops_stacks.runner.plan import prepare_run
from mlops_stacks.runner.record import (
    RunRecord,
    TaskRecord,
    list_runs,
    load_run,
    unfinished_runs,
)
from mlops_stacks.runner.requirements import check_requirements

__all__ = [
    "RunEvent",
    "RunRecord",
    "TaskRecord",
    "cancel_run",
    "check_requirements",
    "list_runs",
    "unfinished_runs",
    "load_run",
    "prepare_run",
    "run_job",
    "start_detached",
]
