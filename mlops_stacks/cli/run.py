"""``mlops-stacks run``: run a deployed job and follow its tasks."""

from __future__ import annotations

import typer

from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat, parse_job_params
from mlops_stacks.errors import MlopsStacksError, RunError

HELP = """Run a deployed job and show its tasks as they run.

On the local workspace the job runs on this machine: each task in its own Python
process, in dependency order, with the target's MLflow store. On Databricks the
job runs there and its task states are followed. A failed task fails the run:
its dependents are skipped, the end of its log is printed and the exit code is 1.
Ctrl-C cancels the run.

Examples:

    mlops-stacks run model_training_job
    mlops-stacks run model_training_job --params max_depth=3
    mlops-stacks run model_training_job --only Train
    mlops-stacks run batch_inference_job -t staging --no-wait
    mlops-stacks run model_training_job --timeout 3600
    mlops-stacks runs list      # earlier runs
"""


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
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Start the run and return its ID without waiting."
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", metavar="SECONDS", min=0.001,
        help="Stop after this many seconds: a local run is canceled and fails as timed out; "
        "on Databricks the wait ends. The job's `timeout_seconds` applies too.",
    ),
    output: OutputFormat = OUTPUT,
) -> None:
    from mlops_stacks.bundle.suggest import did_you_mean
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.cli.run_view import RunView, print_failures

    json_mode = output is OutputFormat.json
    overrides = parse_job_params(params)
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    jobs = bundle.resources("jobs")
    if job_key not in jobs:
        known = ", ".join(sorted(jobs)) or "none"
        raise MlopsStacksError(
            f"No job '{job_key}' in bundle '{bundle.name}' (target {bundle.target}).",
            hint=f"Jobs in this bundle: {known}.{did_you_mean(job_key, sorted(jobs))}",
        )
    if no_wait:
        run_id = workspace.start_run(job_key, params=overrides, only=only or None)
        started = workspace.get_run(run_id)
        follow = f"mlops-stacks runs get {run_id} -t {bundle.target} --follow"
        if json_mode:
            term.json({"run_id": run_id, "job_key": job_key, "state": started.state,
                       "message": started.error})
        elif started.state == "SKIPPED":
            term.print(f"Run {run_id} of {job_key} was {started.error[0].lower()}"
                       f"{started.error[1:]}.")
        elif started.state == "QUEUED":
            term.print(f"Run {run_id} of {job_key} is {started.error[0].lower()}"
                       f"{started.error[1:]}; it starts when a slot frees.")
            term.print(f"Follow it with: {follow}")
        else:
            term.print(f"Started run {run_id} of {job_key}.")
            term.print(f"Follow it with: {follow}")
        if started.state == "SKIPPED":
            raise RunError(
                f"Run {run_id} of {job_key} was skipped.",
                hint="Wait for the active runs to end, raise the job's max_concurrent_runs, "
                "or set `queue: {enabled: true}` on the job to queue runs instead.")
        return
    view = RunView(term.out, live=False if json_mode else None)
    with view:
        record = workspace.run_job(
            job_key, params=overrides, only=only or None, on_event=view, timeout=timeout
        )
    url = getattr(record, "url", None)
    if url and not json_mode:
        term.print(f"Run page: {url}")
    if json_mode:
        term.json(record.to_dict())
    if record.state == "SKIPPED":
        raise RunError(
            f"Run {record.run_id} of {job_key} was {record.error[0].lower()}{record.error[1:]}.",
            hint="Wait for the active runs to end, raise the job's max_concurrent_runs, "
            "or set `queue: {enabled: true}` on the job to queue runs instead.")
    if record.state != "SUCCESS":
        print_failures(record, term.err)
        raise RunError(
            f"Run {record.run_id} of {job_key} {record.state.lower()}"
            + (f": {record.error}" if record.error else "."),
            hint=f"Inspect it with: mlops-stacks runs get {record.run_id} -t {bundle.target}",
        )
    if not json_mode:
        term.success(f"Run {record.run_id} of {job_key} succeeded.")


def register(app: typer.Typer) -> None:
    app.command("run", help=HELP)(run)


__all__ = ["register", "run"]
