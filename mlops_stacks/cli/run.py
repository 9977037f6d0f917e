"""``mlops-stacks run``: run a deployed job, follow its tasks, show what it produced."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat, parse_job_params
from mlops_stacks.errors import MlopsStacksError, RunError

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.diagnostics import Diagnostic
    from mlops_stacks.runner.record import RunRecord
    from mlops_stacks.workspace.protocol import Workspace

HELP = """Run a deployed job and show its tasks as they run.

On the local workspace the job runs on this machine: each task in its own Python
process, in dependency order, with the target's MLflow store. On Databricks the
job runs there and its task states are followed.

Before the run, the project is compared with the deployed copy the run uses;
differences are named (deploy first, or pass `--deploy`). After the run come its
results: each task's state and time, the metrics it logged, model versions
registered and alias moves (`champion` moved from 3 to 4, or kept), the files it
wrote and the links to open (MLflow UI, Databricks run page).

A failed task fails the run (exit code 1): its dependents are skipped and the
reason is printed once, with the task's log file (`runs logs RUN_ID TASK` prints
it; `--debug` shows its end here). The job's `max_concurrent_runs` holds: a run
beyond it is skipped, or queued when the job sets `queue: {enabled: true}`.
Ctrl-C cancels the run.

Examples:

    mlops-stacks run model_training_job
    mlops-stacks run model_training_job --params n_estimators=50,max_depth=4
    mlops-stacks run model_training_job --only Train --deploy
    mlops-stacks run batch_inference_job --no-wait
    mlops-stacks run batch_inference_job -t staging
    mlops-stacks run model_training_job --timeout 3600
"""

SKIP_HINT = ("Wait for the active runs to end, raise the job's max_concurrent_runs, "
             "or set `queue: {enabled: true}` on the job to queue runs instead.")


def run(
    job_key: str = typer.Argument(..., help="Key of the job under `resources.jobs`."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    params: list[str] | None = typer.Option(
        None,
        "--params",
        help="Job parameter overrides: `name=value`, repeatable or comma-separated "
        "(`--params a=1,b=2`).",
    ),
    only: list[str] | None = typer.Option(
        None, "--only", help="Run only this task (repeatable); the others are excluded."
    ),
    deploy_first: bool = typer.Option(
        False, "--deploy", help="Deploy the bundle first (as `deploy` does), then run."
    ),
    strict: bool = typer.Option(
        False, "--strict",
        help="Refuse to run when the project differs from the deployed copy (for CI).",
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Start the run and return its ID without waiting."
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", metavar="SECONDS", min=0.001,
        help="Stop after this many seconds: a local run is canceled and fails as timed out; "
        "on Databricks the wait ends. The job's `timeout_seconds` applies too.",
    ),
    output: OutputFormat = OUTPUT,
    full_refresh: bool = typer.Option(
        False, "--full-refresh", help="For a pipeline: recompute all its tables from scratch."
    ),
) -> None:
    from mlops_stacks.bundle.suggest import did_you_mean
    from mlops_stacks.cli.context import open_target

    json_mode = output is OutputFormat.json
    overrides = parse_job_params(params)
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    jobs = bundle.resources("jobs")
    if job_key not in jobs and job_key in bundle.resources("pipelines"):
        _run_pipeline(term, workspace, job_key, full_refresh, json_mode)
        return
    if job_key not in jobs:
        known = ", ".join(sorted(jobs)) or "none"
        raise MlopsStacksError(
            f"No job '{job_key}' in bundle '{bundle.name}' (target {bundle.target}).",
            hint=f"Jobs in this bundle: {known}.{did_you_mean(job_key, sorted(jobs))}",
        )
    if not (no_wait or deploy_first):
        _prestart(workspace, job_key)
    from mlops_stacks.cli.run_view import RunView
    from mlops_stacks.workspace.run_results import baseline, results_for, save_results

    diagnostics = _prepare(term, bundle, workspace, job_key, deploy_first, strict)
    if no_wait:
        _start(term, bundle, workspace, job_key, overrides, only, json_mode, diagnostics)
        return
    before = baseline(workspace, bundle)
    view = RunView(term.out, live=False if json_mode else None)
    with view:
        record = workspace.run_job(
            job_key, params=overrides, only=only or None, on_event=view, timeout=timeout
        )
    results = results_for(workspace, bundle, record, before)
    save_results(workspace, record.run_id, results)
    from mlops_stacks.cli import terminal

    if terminal.DEBUG and getattr(record, "start_note", None) and not json_mode:
        term.print(f"Tasks started by: {record.start_note}")
    if json_mode:
        term.json({**record.to_dict(), "results": results.to_dict(),
                   "diagnostics": [d.to_dict() for d in diagnostics]})
    if record.state == "SKIPPED":
        raise RunError(f"Run {record.run_id} of {job_key} was {_lower(record.error)}.",
                       hint=SKIP_HINT)
    if not json_mode:
        from mlops_stacks.cli.results_view import print_results

        print_results(term, record, results)
    if record.state != "SUCCESS":
        raise _run_failed(term, record, job_key, bundle.target)


def _prestart(workspace: Workspace, job_key: str) -> None:
    """On the local target, start the run's fork server now: it imports the tasks'
    libraries while the deployed copy is checked and the run is planned."""
    from mlops_stacks.workspace.local import LocalWorkspace

    if isinstance(workspace, LocalWorkspace):
        workspace.prestart_run(job_key)


def _prepare(term: Terminal, bundle: Bundle, workspace: Workspace, job_key: str,
             deploy_first: bool, strict: bool = False) -> list[Diagnostic]:
    """Deploy first (``--deploy``), or warn (``--strict``: refuse) when the deployed copy is
    older than the project."""
    from mlops_stacks.diagnostics import render_github, render_text

    if deploy_first:
        from mlops_stacks.cli.deploy import apply_deploy

        apply_deploy(term, bundle, workspace, auto_approve=False, force_lock=False)
        return []
    from mlops_stacks.deploy.staleness import check_deployed

    diag = check_deployed(bundle, workspace, job_key)
    if diag is None:
        return []
    if strict:
        from mlops_stacks.diagnostics import Diagnostics
        from mlops_stacks.errors import ConfigError

        raise ConfigError(diag.summary.replace(" This run uses the deployed copy.", ""),
                          Diagnostics([diag]), hint=diag.detail)
    term.err.print(render_text([diag], str(bundle.root)), markup=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        term.err.print(render_github([diag], str(bundle.root)), markup=False)
    return [diag]


def _start(term: Terminal, bundle: Bundle, workspace: Workspace, job_key: str,
           overrides: dict[str, str], only: list[str] | None, json_mode: bool,
           diagnostics: list[Diagnostic]) -> None:
    """``--no-wait``: start the run (or hear that it was skipped or queued) and return."""
    from mlops_stacks.workspace.run_results import baseline, remember_baseline

    before = baseline(workspace, bundle)
    run_id = workspace.start_run(job_key, params=overrides, only=only or None)
    remember_baseline(workspace, run_id, before)
    started = workspace.get_run(run_id)
    follow = f"mlops-stacks runs get {run_id} -t {bundle.target} --follow"
    if json_mode:
        term.json({"run_id": run_id, "job_key": job_key, "state": started.state,
                   "message": started.error,
                   "diagnostics": [d.to_dict() for d in diagnostics]})
    elif started.state == "SKIPPED":
        term.print(f"Run {run_id} of {job_key} was {_lower(started.error)}.")
    elif started.state == "QUEUED":
        term.print(f"Run {run_id} of {job_key} is {_lower(started.error)}; "
                   "it starts when a slot frees.")
        term.print(f"Follow it with: {follow}")
    else:
        term.print(f"Started run {run_id} of {job_key}.")
        term.print(f"Follow it with: {follow}")
    if started.state == "SKIPPED":
        raise RunError(f"Run {run_id} of {job_key} was skipped.", hint=SKIP_HINT)


def _run_failed(term: Terminal, record: RunRecord, job_key: str, target: str) -> RunError:
    """The one error of a failed run: the task, the reason, the log; the log's end with --debug."""
    from mlops_stacks.cli import terminal

    failed = record.failed_tasks()
    if terminal.DEBUG:
        from mlops_stacks.cli.run_view import print_failures

        print_failures(record, term.err)
    if not failed:
        return RunError(
            f"Run {record.run_id} of {job_key} {record.state.lower()}"
            + (f": {record.error}" if record.error else "."),
            hint=f"Inspect it with: mlops-stacks runs get {record.run_id} -t {target}",
        )
    first = failed[0]
    others = f" (also failed: {', '.join(t.key for t in failed[1:])})" if failed[1:] else ""
    log = f"\nLog: {first.log_path}" if first.log_path else ""
    return RunError(
        f"Task {first.key} of {job_key} failed: {first.error or 'see its log'}{others}{log}",
        hint=f"Read the whole log with: mlops-stacks runs logs {record.run_id} {first.key} "
        f"-t {target}",
    )


def _run_pipeline(term: Terminal, workspace: Workspace, key: str, full_refresh: bool,
                  json_mode: bool) -> None:
    """Run an update of a deployed pipeline and wait for it (Databricks only)."""
    if not hasattr(workspace, "run_pipeline"):
        from mlops_stacks.deploy.desired import DATABRICKS_ONLY

        raise MlopsStacksError(f"Pipeline '{key}' {DATABRICKS_ONLY}.",
                               hint="Run it on Databricks: mlops-stacks run KEY -t staging")
    out = workspace.run_pipeline(key, full_refresh=full_refresh,
                                 on_state=None if json_mode else term.info)
    if json_mode:
        term.json(out)
    else:
        term.success(f"Update {out['update_id']} of pipeline {key} completed.")


def _lower(text: str | None) -> str:
    text = text or "skipped"
    return text[0].lower() + text[1:]


def register(app: typer.Typer) -> None:
    app.command("run", help=HELP)(run)


__all__ = ["register", "run"]
