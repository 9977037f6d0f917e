"""run_job: run a deployed job's tasks on this machine, in dependency order.

Phases: ``prepare_run`` checks everything that can be checked before any
task starts (graph, ``--only``, ``--params``, task kinds, files, references,
packages) and raises ``RunError``/``MissingDependencyError``; ``execute``
then runs ready tasks (up to ``max_parallel`` processes at once), records
every state change in ``runs_dir/<run_id>/run.json`` and reports it to
``on_event``.

A failed task fails the run; its dependents end SKIPPED unless their
``run_if`` says otherwise. Ctrl-C (KeyboardInterrupt) stops the running task
processes (SIGTERM, SIGKILL after a grace period), marks running and pending
tasks CANCELED, saves the record with state CANCELED and **re-raises**
KeyboardInterrupt, so callers exit as interrupted programs do (status 130).
While tasks run, SIGTERM to the runner does the same (in the main thread).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.runner import kinds, preload
from mlops_stacks.runner.condition import evaluate
from mlops_stacks.runner.dag import TaskGraph, build_graph, decide, select
from mlops_stacks.runner.databricks_only import check_databricks_only
from mlops_stacks.runner.events import (
    RUN_FINISHED,
    RUN_QUEUED,
    RUN_STARTED,
    TASK_FINISHED,
    TASK_STARTED,
    EventHandler,
    RunEvent,
)
from mlops_stacks.runner.launch import Launcher, own_environment
from mlops_stacks.runner.params import (
    RefContext,
    ReferenceError_,
    check_static_references,
    job_parameters,
    text_value,
)
from mlops_stacks.runner.process import ForkWaitExpired, stop_all
from mlops_stacks.runner.record import (
    CANCELED,
    EXCLUDED,
    FAILED,
    PENDING,
    QUEUED,
    RUNNING,
    SUCCESS,
    TERMINAL_STATES,
    RunRecord,
    TaskRecord,
    new_run_id,
    process_start_time,
    read_log_tail,
    write_json_atomic,
)
from mlops_stacks.runner.requirements import check_requirements

RunOtherJob = Callable[[str, dict[str, str]], RunRecord]
POLL_SECONDS = 0.05


@dataclass
class RunPlan:
    """A checked job, ready to execute."""

    job: dict[str, Any]
    job_key: str
    job_id: str
    graph: TaskGraph
    selected: set[str]
    parameters: dict[str, str]
    kinds: dict[str, str]
    files: dict[str, Path]


def prepare_run(
    job: dict[str, Any],
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
    if check_deps:
        check_requirements(
            job, resolve_path=resolve_path, job_key=job_key, tasks=selected, files_root=files_root
        )
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


def run_job(
    job: dict[str, Any],
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
    plan = prepare_run(
        job,
        job_key=job_key,
        resolve_path=resolve_path,
        params=params,
        only=only,
        can_run_jobs=run_other_job is not None,
        check_deps=check_deps,
        files_root=files_root,
        job_id=job_id,
    )
    run_id = run_id or new_run_id()
    admission = _admit(job, job_key, Path(runs_dir), run_id, on_event)
    if admission is not None:
        return admission
    run = _Execution(
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
    return run.execute()


def time_limit(job: dict[str, Any], timeout: float | None) -> tuple[float, str] | None:
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


class _TimedOut(Exception):
    """The run's time limit passed."""


def _admit(job: dict[str, Any], job_key: str, runs_dir: Path, run_id: str,
           on_event: EventHandler | None) -> RunRecord | None:
    """Wait for a slot under ``max_concurrent_runs``; the SKIPPED record when there is none."""
    from mlops_stacks.runner.admission import ADMITTED, admit

    def queued(admission: Any) -> None:
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


@dataclass
class _Running:
    process: Any  # process.TaskProcess | process.ForkedProcess
    started: float
    timeout: float | None
    timed_out: bool = False
    task_key: str = ""
    iteration: int | None = None  # for_each_task: which input


@dataclass
class _ForEach:
    """A for_each_task in progress: its inputs and how its iterations went."""

    inputs: list[Any]
    concurrency: int
    next: int = 0
    running: int = 0
    done: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # index, error, log


@dataclass
class _Retry:
    at: float


@dataclass
class _Execution:
    plan: RunPlan
    runs_dir: Path
    env: dict[str, str]
    on_event: EventHandler | None
    run_other_job: RunOtherJob | None
    run_id: str
    parent_run_id: str | None
    max_parallel: int
    time_limit: tuple[float, str] | None = None
    start_method: str | None = None
    resolve_path: Callable[[str], Path] | None = None
    files_root: Path | None = None
    running: dict[str, _Running] = field(default_factory=dict)
    retries: dict[str, _Retry] = field(default_factory=dict)
    foreach: dict[str, _ForEach] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.run_dir = self.runs_dir / self.run_id
        self.tasks_dir = self.run_dir / "tasks"
        now = time.time()
        self.record = RunRecord(
            run_id=self.run_id,
            job_key=self.plan.job_key,
            state=RUNNING,
            start_time=now,
            params=dict(self.plan.parameters),
            pid=os.getpid(),
            pid_start=process_start_time(os.getpid()),
            parent_run_id=self.parent_run_id,
            run_dir=str(self.run_dir),
        )
        for key in self.plan.graph.order:
            state = PENDING if key in self.plan.selected else EXCLUDED
            task = TaskRecord(key=key, kind=self.plan.kinds[key], state=state)
            if state == EXCLUDED:
                task.error = "not selected (--only)"
            self.record.tasks[key] = task
        self.refs = RefContext(
            job_id=self.plan.job_id,
            job_name=str(self.plan.job.get("name") or self.plan.job_key),
            run_id=self.run_id,
            start_time=now,
            parameters=self.plan.parameters,
        )

    # -- bookkeeping --------------------------------------------------------------
    def _save(self) -> None:
        self.record.save(self.runs_dir)

    def _emit(self, kind: str, task_key: str | None = None, message: str | None = None) -> None:
        if self.on_event is None:
            return
        state = self.record.tasks[task_key].state if task_key else self.record.state
        self.on_event(
            RunEvent(kind=kind, record=self.record, task_key=task_key, state=state, message=message)
        )

    def _finish_task(self, key: str, state: str, error: str | None = None) -> None:
        task = self.record.tasks[key]
        task.state = state
        task.end_time = time.time()
        if error:
            task.error = error
        if state == FAILED:
            task.log_tail = read_log_tail(task.log_path)
        self.refs.task_states[key] = state
        self._save()
        self._emit(TASK_FINISHED, key, error)

    def _start_task(self, key: str) -> None:
        task = self.record.tasks[key]
        task.state = RUNNING
        task.attempts += 1
        if task.start_time is None:
            task.start_time = time.time()
        task.log_path = str(self.tasks_dir / f"{key}.log")
        self._save()
        self._emit(TASK_STARTED, key)

    def _preload_modules(self) -> tuple[list[str], str]:
        """What the fork server imports: what this job's tasks used last time, else
        the libraries the job declares."""
        learned = preload.read_learned(self.runs_dir, self.plan.job_key)
        if learned:
            return learned, "modules its tasks used in the last run"
        from mlops_stacks.runner.requirements import collect_requirements

        declared: list[str] = []
        if self.resolve_path is not None:
            found = collect_requirements(
                self.plan.job, resolve_path=self.resolve_path, tasks=self.plan.selected,
                files_root=self.files_root,
            )
            declared = [d.name for d in found]
        return preload.seed_modules(declared), "modules of the libraries the job declares"

    def _close_launcher(self) -> None:
        self.launcher.close()
        self.record.start_note = self.launcher.describe()
        self._save()
        preload.save_learned(
            self.runs_dir, self.plan.job_key, sorted(self.tasks_dir.glob("*.modules.json")),
            partial=self.plan.selected != set(self.plan.graph.nodes),
        )

    # -- the loop -------------------------------------------------------------------
    def execute(self) -> RunRecord:
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        self.launcher = Launcher(
            method=self.start_method,
            preload=self._preload_modules,
            server_env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
            run_dir=self.run_dir,
        )
        self.record.start_note = self.launcher.note
        self._save()
        self._emit(RUN_STARTED)
        self.started = time.monotonic()
        try:
            with _sigterm_as_interrupt():
                if any(k in kinds.PROCESS_KINDS or k == kinds.FOR_EACH
                       for key, k in self.plan.kinds.items() if key in self.plan.selected):
                    self.launcher.warm_up()
                    self.record.start_note = self.launcher.note
                self._loop()
        except _TimedOut:
            seconds, source = self.time_limit or (0.0, "")
            self._cancel(f"the run timed out after {seconds:g} s ({source})", state=FAILED)
            return self.record
        except KeyboardInterrupt:
            self._cancel("canceled (interrupted)")
            raise
        except BaseException as exc:
            self._cancel(f"the runner stopped: {exc!r}", state=FAILED)
            raise
        finally:
            self._close_launcher()
        failed = [t.key for t in self.record.tasks.values() if t.state == FAILED]
        self.record.state = FAILED if failed else SUCCESS
        if failed:
            first = self.record.tasks[failed[0]]
            self.record.error = f"Task '{first.key}' failed: {first.error or 'see its log'}"
            if len(failed) > 1:
                self.record.error += f" (also failed: {', '.join(failed[1:])})"
        self.record.end_time = time.time()
        self._save()
        self._emit(RUN_FINISHED)
        return self.record

    def _loop(self) -> None:
        graph = self.plan.graph
        while True:
            if self.time_limit and time.monotonic() - self.started > self.time_limit[0]:
                raise _TimedOut
            progressed = self._reap()
            for key in graph.order:
                task = self.record.tasks[key]
                if task.state != PENDING or key in self.retries:
                    continue
                deps = [
                    d.task_key
                    for d in graph.nodes[key].depends_on
                    if d.task_key in self.plan.selected
                ]
                if any(self.record.tasks[d].state not in TERMINAL_STATES for d in deps):
                    continue
                states = {k: t.state for k, t in self.record.tasks.items()}
                results = {k: t.result for k, t in self.record.tasks.items()}
                verdict, reason = decide(graph.nodes[key], states, results, self.plan.selected)
                if verdict is not None:
                    self._finish_task(key, verdict, reason)
                    progressed = True
                    continue
                if len(self.running) >= self.max_parallel:
                    continue
                self._launch(key)
                progressed = True
            for key, each in self.foreach.items():
                while (
                    each.next < len(each.inputs)
                    and each.running < each.concurrency
                    and len(self.running) < self.max_parallel
                ):
                    self._spawn_iteration(key, each)
                    progressed = True
            for key, retry in list(self.retries.items()):
                if time.time() >= retry.at and len(self.running) < self.max_parallel:
                    del self.retries[key]
                    self._launch(key)
                    progressed = True
            if (
                not self.running
                and not self.retries
                and not any(t.state in (PENDING, RUNNING) for t in self.record.tasks.values())
            ):
                return
            if not progressed:
                time.sleep(POLL_SECONDS)

    def _launch(self, key: str) -> None:
        kind = self.plan.kinds[key]
        self._start_task(key)
        try:
            if kind in kinds.PROCESS_KINDS:
                self._spawn(key, kind, self.plan.graph.nodes[key].settings)
            elif kind == kinds.FOR_EACH:
                self._start_for_each(key)
            elif kind == kinds.CONDITION:
                self._run_condition(key)
            elif kind == kinds.RUN_JOB:
                self._run_other_job(key)
        except ReferenceError_ as exc:
            self._log(key, f"[mlops-stacks] {exc}")
            self._finish_task(key, FAILED, str(exc))

    # -- process tasks --------------------------------------------------------------
    def _spawn(
        self,
        key: str,
        kind: str,
        settings: dict[str, Any],
        iteration: int | None = None,
        refs: RefContext | None = None,
    ) -> None:
        """Start the process of task ``key`` (or of one iteration of a for_each task)."""
        refs = refs or self.refs
        name = key if iteration is None else f"{key}.iter{iteration}"
        spec: dict[str, Any] = {
            "kind": kind,
            "task_key": key,
            "run_id": self.run_id,
            "task_values": {k: dict(v) for k, v in self.refs.task_values.items()},
            "out_path": str(self.tasks_dir / f"{name}.out.json"),
            "modules_out": str(self.tasks_dir / f"{name}.modules.json"),
        }
        if kind == kinds.NOTEBOOK:
            nb = settings["notebook_task"]
            widgets = {
                **{k: str(v) for k, v in (nb.get("base_parameters") or {}).items()},
                **self.plan.parameters,
            }
            spec["widgets"] = refs.substitute(widgets, key)
            spec["path"] = str(self.plan.files[key])
        elif kind == kinds.PYTHON_FILE:
            py = settings["spark_python_task"]
            spec["argv"] = refs.substitute([str(a) for a in py.get("parameters") or []], key)
            spec["path"] = str(self.plan.files[key])
        else:
            wheel = settings["python_wheel_task"]
            spec["package_name"] = wheel["package_name"]
            spec["entry_point"] = wheel["entry_point"]
            spec["argv"] = refs.substitute(kinds.wheel_argv(wheel, self.plan.parameters), key)
        spec_path = self.tasks_dir / f"{name}.spec.json"
        from mlops_stacks.secrets import process_secrets

        if process_secrets().mask(spec) != spec:  # holds secrets: read once, then removed
            spec["remove_after_read"] = True
        write_json_atomic(spec_path, spec)
        Path(spec["out_path"]).unlink(missing_ok=True)
        task = self.record.tasks[key]
        if task.attempts > 1 and iteration is None:
            self._log(key, f"\n[mlops-stacks] attempt {task.attempts}")
        log_path = Path(task.log_path or "")
        if iteration is not None:
            log_path = self.tasks_dir / f"{name}.log"
        cwd = Path(spec["path"]).parent if "path" in spec else self.run_dir
        env = {
            **os.environ,
            **self.env,
            "MLOPS_STACKS_RUN_ID": self.run_id,
            "MLOPS_STACKS_JOB_KEY": self.plan.job_key,
            "MLOPS_STACKS_TASK_KEY": key,
            "PYTHONUNBUFFERED": "1",
        }
        timeout = settings.get("timeout_seconds")
        deadline = self.started + self.time_limit[0] if self.time_limit else None
        try:
            proc = self.launcher.start(
                spec_path, log_path, env, cwd,
                fresh_reason=own_environment(settings, self.plan.job), deadline=deadline,
            )
        except ForkWaitExpired:
            raise _TimedOut from None
        if iteration is None:
            task.pid, task.start_method = proc.pid, proc.start_method
            self._save()
        self.running[name] = _Running(
            proc,
            time.monotonic(),
            float(timeout) if timeout else None,
            task_key=key,
            iteration=iteration,
        )

    def _reap(self) -> bool:
        """Finish the task processes that ended (or ran out of time)."""
        progressed = False
        for key, run in list(self.running.items()):
            code = run.process.poll()
            if code is None:
                if (
                    run.timeout
                    and not run.timed_out
                    and time.monotonic() - run.started > run.timeout
                ):
                    run.timed_out = True
                    self._log(key, f"[mlops-stacks] timed out after {run.timeout:g} s")
                    run.process.stop()
                    code = run.process.poll()
                else:
                    continue
            del self.running[key]
            progressed = True
            code = code if code is not None else -1
            if run.iteration is not None:
                self._iteration_done(run.task_key, run.iteration, code, run.timed_out)
            else:
                self._process_done(key, code, run.timed_out)
        return progressed

    def _process_done(self, key: str, code: int, timed_out: bool) -> None:
        task = self.record.tasks[key]
        out = _read_json(self.tasks_dir / f"{key}.out.json")
        values = out.get("values") or {}
        task.values = values
        self.refs.task_values[key] = values
        if code == 0 and not timed_out:
            task.result = out.get("result")
            self._finish_task(key, SUCCESS)
            return
        error = out.get("error") or f"the task process exited with status {code}"
        if timed_out:
            error = f"timed out after {self.plan.graph.nodes[key].settings['timeout_seconds']} s"
        if self._retry(key, timed_out):
            task.error = error
            self._save()
            return
        self._finish_task(key, FAILED, error)

    def _retry(self, key: str, timed_out: bool) -> bool:
        settings = self.plan.graph.nodes[key].settings
        task = self.record.tasks[key]
        max_retries = int(settings.get("max_retries") or 0)
        if max_retries == -1:
            max_retries = 3  # "retry indefinitely" would never end locally
        if task.attempts > max_retries or (timed_out and not settings.get("retry_on_timeout")):
            return False
        task.state = PENDING
        delay = float(settings.get("min_retry_interval_millis") or 0) / 1000
        self.retries[key] = _Retry(at=time.time() + delay)
        return True

    # -- for_each_task ----------------------------------------------------------------
    def _start_for_each(self, key: str) -> None:
        spec = self.plan.graph.nodes[key].settings["for_each_task"]
        raw = self.refs.substitute(spec.get("inputs"), key)
        try:
            inputs = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            inputs = None
        if not isinstance(inputs, list):
            error = f"for_each_task inputs must be a JSON list, got {raw!r}"
            self._log(key, f"[mlops-stacks] {error}")
            self._finish_task(key, FAILED, error)
            return
        self._log(key, f"[mlops-stacks] for_each over {len(inputs)} input(s)")
        if not inputs:
            self._finish_task(key, SUCCESS)
            return
        self.foreach[key] = _ForEach(inputs, max(1, int(spec.get("concurrency") or 1)))

    def _spawn_iteration(self, key: str, each: _ForEach) -> None:
        index = each.next
        each.next += 1
        each.running += 1
        item = each.inputs[index]
        extra = {"input": text_value(item)}
        if isinstance(item, dict):
            extra.update({f"input.{k}": text_value(v) for k, v in item.items()})
        refs = replace(self.refs, extra=extra)
        inner = self.plan.graph.nodes[key].settings["for_each_task"]["task"]
        try:
            self._spawn(key, kinds.task_kind(inner), inner, iteration=index, refs=refs)
        except ReferenceError_ as exc:
            each.running -= 1
            each.done += 1
            each.failed.append((index, str(exc), ""))
            self._for_each_check_done(key, each)

    def _iteration_done(self, key: str, index: int, code: int, timed_out: bool) -> None:
        each = self.foreach[key]
        each.running -= 1
        each.done += 1
        name = f"{key}.iter{index}"
        log = self.tasks_dir / f"{name}.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        self._log(key, f"--- iteration {index} (input {each.inputs[index]!r}) ---\n{text}")
        if code != 0 or timed_out:
            out = _read_json(self.tasks_dir / f"{name}.out.json")
            error = "timed out" if timed_out else out.get("error") or f"exit status {code}"
            each.failed.append((index, error, str(log)))
        self._for_each_check_done(key, each)

    def _for_each_check_done(self, key: str, each: _ForEach) -> None:
        if each.done < len(each.inputs):
            return
        del self.foreach[key]
        if not each.failed:
            self._finish_task(key, SUCCESS)
            return
        index, error, log = sorted(each.failed)[0]
        summary = (
            f"{len(each.failed)} of {len(each.inputs)} iterations failed; "
            f"iteration {index} (input {each.inputs[index]!r}): {error}"
        )
        self._finish_task(key, FAILED, summary)
        if log:
            self.record.tasks[key].log_tail = read_log_tail(log)
            self._save()

    # -- tasks the runner does itself -----------------------------------------------
    def _run_condition(self, key: str) -> None:
        cond = self.plan.graph.nodes[key].settings["condition_task"]
        left = self.refs.substitute(cond.get("left", ""), key)
        right = self.refs.substitute(cond.get("right", ""), key)
        op = str(cond.get("op"))
        try:
            outcome = evaluate(op, left, right)
        except ValueError as exc:
            self._log(key, f"[mlops-stacks] condition failed: {exc}")
            self._finish_task(key, FAILED, str(exc))
            return
        result = "true" if outcome else "false"
        self._log(key, f"[mlops-stacks] condition {left!r} {op} {right!r} -> {result}")
        self.record.tasks[key].result = result
        self._finish_task(key, SUCCESS)

    def _run_other_job(self, key: str) -> None:
        assert self.run_other_job is not None
        spec = self.plan.graph.nodes[key].settings["run_job_task"]
        ref = kinds.job_reference(spec["job_id"])
        job_params = {
            str(k): str(v)
            for k, v in (self.refs.substitute(spec.get("job_parameters") or {}, key)).items()
        }
        self._log(key, f"[mlops-stacks] running job '{ref}' with parameters {job_params}")
        try:
            child = self.run_other_job(ref, job_params)
        except MlopsStacksError as exc:
            self._log(key, f"[mlops-stacks] {exc}")
            self._finish_task(key, FAILED, exc.message)
            return
        task = self.record.tasks[key]
        task.child_run_id = child.run_id
        self._log(key, f"[mlops-stacks] run {child.run_id} of job '{ref}' ended {child.state}")
        if child.state == SUCCESS:
            self._finish_task(key, SUCCESS)
            return
        for failed in child.failed_tasks():
            self._log(key, f"--- task '{failed.key}' of run {child.run_id}: {failed.error}")
            self._log(key, "\n".join(failed.log_tail))
        self._finish_task(
            key,
            FAILED,
            f"job '{ref}' run {child.run_id} ended {child.state}"
            + (f": {child.error}" if child.error else ""),
        )

    def _log(self, key: str, line: str) -> None:
        path = self.record.tasks[key].log_path or str(self.tasks_dir / f"{key}.log")
        with open(path, "a", encoding="utf-8") as f:
            f.write(line.rstrip("\n") + "\n")

    # -- cancel ---------------------------------------------------------------------
    def _cancel(self, reason: str, state: str = CANCELED) -> None:
        processes = [r.process for r in self.running.values()]
        try:
            stop_all(processes)
        except KeyboardInterrupt:  # a second Ctrl-C: no more waiting
            for p in processes:
                p.kill()
        for run in self.running.values():
            self._log(run.task_key, "[mlops-stacks] canceled")
        self.running.clear()
        self.retries.clear()
        self.foreach.clear()
        now = time.time()
        for task in self.record.tasks.values():
            if task.state in (PENDING, RUNNING):
                task.state = CANCELED
                task.end_time = now if task.start_time else None
                task.error = task.error or reason
        self.record.state = state
        self.record.error = reason
        self.record.end_time = now
        self._save()
        self._emit(RUN_FINISHED, message=reason)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While tasks run, SIGTERM cancels the run like Ctrl-C, so task processes
    (in their own sessions) are stopped instead of being left behind."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
