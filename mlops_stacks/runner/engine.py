"""run_job: run a deployed job's tasks on this machine, in dependency order.

Phases: ``prepare_run`` (``plan.py``) checks everything that can be checked
before any task starts (graph, ``--only``, ``--params``, task kinds, files,
references, packages) and raises ``RunError``/``MissingDependencyError``;
admission waits for a slot under ``max_concurrent_runs``; ``execute`` then
starts the run's ``Launcher`` and runs the scheduling loop, recording every
state change in ``runs_dir/<run_id>/run.json`` and reporting it to ``on_event``.

The parts, each in its own module::

    plan.py           prepare_run, RunPlan, the run's time limit
    execution.py      the run's state; start/finish a task, save, emit, log
    schedule.py       the loop: reap, decide, launch ready tasks
    task_launch.py    process tasks: write the spec, start, read the outcome
    retries.py        max_retries, retry_on_timeout, min_retry_interval_millis
    foreach.py        for_each_task iterations
    condition_task.py condition_task, evaluated in the runner
    run_job_task.py   run_job_task, a child run of another job
    cancel.py         stop everything and close the record; SIGTERM as Ctrl-C

A failed task fails the run; its dependents end SKIPPED unless their
``run_if`` says otherwise. Ctrl-C (KeyboardInterrupt) stops the running task
processes (SIGTERM, SIGKILL after a grace period), marks running and pending
tasks CANCELED, saves the record with state CANCELED and **re-raises**
KeyboardInterrupt, so callers exit as interrupted programs do (status 130).
While tasks run, SIGTERM to the runner does the same (in the main thread).

Reads: the job, the run's environment. Changes: ``runs_dir`` (the run's
directory and record, the learned preload list).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner import kinds, preload, prestart, spark
from mlops_stacks.runner.cancel import cancel, sigterm_as_interrupt
from mlops_stacks.runner.events import RUN_FINISHED, RUN_QUEUED, RUN_STARTED, EventHandler, RunEvent
from mlops_stacks.runner.execution import Execution, RunOtherJob, TimedOut
from mlops_stacks.runner.launch import Launcher
from mlops_stacks.runner.plan import RunPlan, prepare_run, time_limit
from mlops_stacks.runner.record import FAILED, QUEUED, SUCCESS, RunRecord, new_run_id
from mlops_stacks.runner.schedule import loop

__all__ = ["RunOtherJob", "RunPlan", "prepare_run", "run_job", "time_limit"]


def run_job(
    job: JsonObject,
    *,
    job_key: str,
    runs_dir: Path,
    resolve_path: Callable[[str], Path],
    env: dict[str, str],
    params: dict[str, str] | None = None,
    only: list[str] | None = None,
    on_event: EventHandler | None = None,
    run_other_job: RunOtherJob | None = None,
    run_id: str | None = None,
    job_id: str | None = None,
    parent_run_id: str | None = None,
    max_parallel: int = 4,
    check_deps: bool = True,
    files_root: Path | None = None,
    timeout: float | None = None,
    start_method: str | None = None,
) -> RunRecord:
    """Run ``job`` locally and return its record (state SUCCESS, FAILED or CANCELED).

    The run is stopped and FAILED ("timed out") once it has run longer than the
    job's ``timeout_seconds`` or ``timeout`` (``run --timeout``), whichever is shorter.
    Tasks start forked from a fork server that has the job's libraries imported,
    or as fresh processes (``start_method="spawn"``; see ``launch.py``).
    Raises ``RunError`` / ``MissingDependencyError`` before starting when the
    job cannot run, and re-raises KeyboardInterrupt after canceling the run.
    """
    try:
        plan = prepare_run(job, job_key=job_key, resolve_path=resolve_path, params=params,
                           only=only, can_run_jobs=run_other_job is not None,
                           check_deps=check_deps, files_root=files_root, job_id=job_id)
    except BaseException:
        prestart.discard(Path(runs_dir), job_key)  # a fork server started for this run
        raise
    run_id = run_id or new_run_id()
    admission = _admit(job, job_key, Path(runs_dir), run_id, on_event)
    if admission is not None:
        prestart.discard(Path(runs_dir), job_key)
        return admission
    run = Execution(
        plan,
        runs_dir=Path(runs_dir),
        env=env,
        on_event=on_event,
        run_other_job=run_other_job,
        run_id=run_id,
        parent_run_id=parent_run_id,
        max_parallel=max(1, max_parallel),
        time_limit=time_limit(job, timeout),
        start_method=start_method,
        resolve_path=resolve_path,
        files_root=files_root,
    )
    return execute(run)


def _admit(job: JsonObject, job_key: str, runs_dir: Path, run_id: str,
           on_event: EventHandler | None) -> RunRecord | None:
    """Wait for a slot under ``max_concurrent_runs``; the SKIPPED record when there is none."""
    from mlops_stacks.runner.admission import ADMITTED, Admission, admit

    def queued(admission: Admission) -> None:
        if on_event is not None:
            on_event(RunEvent(RUN_QUEUED, admission.record, state=QUEUED,
                              message=admission.message))

    admission = admit(runs_dir, job, job_key=job_key, run_id=run_id, on_queued=queued)
    if admission.outcome == ADMITTED:
        return None
    if on_event is not None:
        on_event(RunEvent(RUN_FINISHED, admission.record, state=admission.record.state,
                          message=admission.message))
    return admission.record


def execute(run: Execution) -> RunRecord:
    """Run ``run``'s tasks to the end and return its closed record."""
    run.tasks_dir.mkdir(parents=True, exist_ok=True)
    server_env = prestart.server_env(run.env)
    run.launcher = Launcher(
        method=run.start_method,
        preload=lambda: _preload_modules(run),
        server_env=server_env,
        run_dir=run.run_dir,
        prestarted=lambda: prestart.take(run.runs_dir, run.plan.job_key, server_env,
                                         run.run_dir),
    )
    run.record.start_note = run.launcher.note
    run.save()
    run.emit(RUN_STARTED)
    run.started = time.monotonic()
    try:
        with sigterm_as_interrupt():
            if any(k in kinds.PROCESS_KINDS or k == kinds.FOR_EACH
                   for key, k in run.plan.kinds.items() if key in run.plan.selected):
                run.launcher.warm_up()
                run.record.start_note = run.launcher.note
            loop(run)
    except TimedOut:
        seconds, source = run.time_limit or (0.0, "")
        cancel(run, f"the run timed out after {seconds:g} s ({source})", state=FAILED)
        return run.record
    except KeyboardInterrupt:
        cancel(run, "canceled (interrupted)")
        raise
    except BaseException as exc:
        cancel(run, f"the runner stopped: {exc!r}", state=FAILED)
        raise
    finally:
        _close_launcher(run)
    failed = [t.key for t in run.record.tasks.values() if t.state == FAILED]
    run.record.state = FAILED if failed else SUCCESS
    if failed:
        first = run.record.tasks[failed[0]]
        run.record.error = f"Task '{first.key}' failed: {first.error or 'see its log'}"
        if len(failed) > 1:
            run.record.error += f" (also failed: {', '.join(failed[1:])})"
    run.record.end_time = time.time()
    run.save()
    run.emit(RUN_FINISHED)
    return run.record


def _preload_modules(run: Execution) -> tuple[list[str], list[str], str]:
    """What the fork server imports: (modules, distributions whose modules it finds
    itself, what they are): what this job's tasks used last time, else the libraries
    the job declares."""
    learned = preload.read_learned(run.runs_dir, run.plan.job_key)
    if learned:
        return learned, [], "modules its tasks used in the last run"
    from mlops_stacks.runner.requirements import collect_requirements

    declared: list[str] = []
    if run.resolve_path is not None:
        found = collect_requirements(
            run.plan.job, resolve_path=run.resolve_path, tasks=run.plan.selected,
            files_root=run.files_root,
        )
        declared = [d.name for d in found]
    declared += spark.preload_distributions(run.plan.files.values())
    return [], declared, f"the modules of {len(declared)} libraries the job declares"


def _close_launcher(run: Execution) -> None:
    run.launcher.close()
    prestart.discard(run.runs_dir, run.plan.job_key)  # not taken: another start method
    run.record.start_note = run.launcher.describe()
    run.save()
    preload.save_learned(
        run.runs_dir, run.plan.job_key, sorted(run.tasks_dir.glob("*.modules.json")),
        partial=run.plan.selected != set(run.plan.graph.nodes),
    )
