"""``mlops-stacks runs``: earlier job runs of a target, and one run in detail."""

from __future__ import annotations

import datetime as dt

import typer

from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat

runs_app = typer.Typer(
    name="runs",
    help="""List earlier job runs of a target, or show one run with its tasks and logs.

Examples:

    mlops-stacks runs list
    mlops-stacks runs list model_training_job -o json
    mlops-stacks runs get 20260101-120000-1a2b3c
""",
    no_args_is_help=True,
)


def _time(ts: float | None) -> str:
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


@runs_app.command("list")
def list_runs(
    job_key: str | None = typer.Argument(None, help="Only runs of this job."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    """List runs, newest first, with their state and duration."""
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.cli.run_view import format_duration

    json_mode = output is OutputFormat.json
    term, _bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    records = workspace.list_runs(job_key)
    if json_mode:
        term.json([r.to_dict() for r in records])
        return
    if not records:
        term.print("No runs yet. Start one with: mlops-stacks run <job key>")
        return
    term.table(
        ["Run", "Job", "State", "Started", "Duration"],
        [
            [r.run_id, r.job_key, r.state, _time(r.start_time), format_duration(r.duration)]
            for r in records
        ],
    )


@runs_app.command("get")
def get_run(
    run_id: str = typer.Argument(..., help="Run ID, as printed by `run` or `runs list`."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    """Show one run: its state, each task's state, duration, note and log file."""
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.cli.run_view import format_duration, print_failures

    json_mode = output is OutputFormat.json
    term, _bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    record = workspace.get_run(run_id)
    if json_mode:
        term.json(record.to_dict())
        return
    term.print(f"Run {record.run_id} of {record.job_key}: {record.state}")
    term.print(f"Started {_time(record.start_time)}, took {format_duration(record.duration)}")
    if record.params:
        term.print("Parameters: " + ", ".join(f"{k}={v}" for k, v in record.params.items()))
    term.table(
        ["Task", "State", "Duration", "Log"],
        [
            [t.key, t.state, format_duration(t.duration) if t.start_time else "", t.log_path or ""]
            for t in record.tasks.values()
        ],
    )
    print_failures(record, term.out)


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")


__all__ = ["register", "runs_app"]
