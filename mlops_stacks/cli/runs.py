"""``mlops-stacks runs``: earlier job runs of a target, one run in detail, its logs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat
from mlops_stacks.errors import MlopsStacksError

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.runner.record import RunRecord
    from mlops_stacks.workspace.protocol import Workspace

runs_app = typer.Typer(
    name="runs",
    help="""List earlier job runs of a target, show one run, follow it, read its logs.

Examples:

    mlops-stacks runs list
    mlops-stacks runs list model_training_job -o json
    mlops-stacks runs get RUN_ID
    mlops-stacks runs get RUN_ID --follow
    mlops-stacks runs cancel RUN_ID
    mlops-stacks runs logs RUN_ID Train
""",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

RUN_ID = typer.Argument(..., help="Run ID, as printed by `run` or `runs list`.")
#: Runs ``runs list`` shows unless told otherwise (a target keeps every run it made).
DEFAULT_LIMIT = 25


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
    metric: list[str] | None = typer.Option(
        None, "--metric", metavar="NAME",
        help="Add a column with this MLflow metric of each run (repeatable), to compare runs.",
    ),
    limit: int = typer.Option(
        DEFAULT_LIMIT, "--limit", "-n", min=0, metavar="N",
        help="Show the N newest runs (0: every run the target has kept).",
    ),
) -> None:
    """List runs, newest first, with their state and duration.

    On a terminal: a table, or one block per run when the terminal is too narrow.
    Piped: a header line, then one tab-separated run per line. `--metric NAME` adds
    the metric each run logged to MLflow (empty when it logged none). Only the newest
    runs are shown (`--limit`, 25 by default); a note says when older ones exist.

    Examples:

        mlops-stacks runs list
        mlops-stacks runs list model_training_job -o json
        mlops-stacks runs list model_training_job --metric holdout_r2_score
        mlops-stacks runs list --limit 0 -o json
    """
    from mlops_stacks.bundle.suggest import did_you_mean
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.cli.run_view import format_duration

    json_mode = output is OutputFormat.json
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    jobs = sorted(bundle.resources("jobs"))
    unreadable: list[Path] = []
    records = workspace.list_runs(job_key, limit=limit + 1 if limit else None,
                                  unreadable=unreadable)
    older = bool(limit) and len(records) > limit
    records = records[:limit] if limit else records
    _warn_unreadable(term, unreadable)
    if job_key is not None and job_key not in jobs and not records:
        raise MlopsStacksError(
            f"No job '{job_key}' in bundle '{bundle.name}' (target {bundle.target}).",
            hint=f"Jobs in this bundle: {', '.join(jobs) or 'none'}.{did_you_mean(job_key, jobs)}",
        )
    metrics = list(dict.fromkeys(metric or []))
    values = _metric_values(workspace, bundle, records, metrics)
    if json_mode:
        term.json([{**r.to_dict(), **({"metrics": values[r.run_id]} if metrics else {})}
                   for r in records])
        return
    if not records:
        which = f"job {job_key}" if job_key else "any job"
        term.print(f"No runs of {which} on target {bundle.target} yet. "
                   f"Start one with: mlops-stacks run {job_key or 'JOB_KEY'}")
        return
    term.table(
        ["Run", "Job", "State", "Started", "Duration", *metrics],
        [
            [r.run_id, r.job_key, r.state, _time(r.start_time), format_duration(r.duration),
             *(_number(values[r.run_id].get(m)) for m in metrics)]
            for r in records
        ],
    )
    if older:
        term.err.print(f"Older runs are not shown: --limit {limit * 4} shows more, --limit 0 "
                       "all.", markup=False, style="dim")
    missing = [m for m in metrics if all(values[r.run_id].get(m) is None for r in records)]
    if missing:
        term.warn(f"No run here logged {', '.join(missing)}; `mlops-stacks runs get RUN_ID` "
                  "lists the metrics a run logged.")


def _metric_values(workspace: Workspace, bundle: Bundle, records: list[RunRecord],
                   names: list[str]
                   ) -> dict[str, dict[str, float | None]]:
    """``run_id -> {metric: value}`` for the metrics asked for (nothing asked: no lookups)."""
    if not names:
        return {r.run_id: {} for r in records}
    from mlops_stacks.workspace.run_results import results_of

    out: dict[str, dict[str, float | None]] = {}
    for r in records:
        results = results_of(workspace, bundle, r)
        out[r.run_id] = {m: results.metric(m) if results else None for m in names}
    return out


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


@runs_app.command("get")
def get_run(
    run_id: str = RUN_ID,
    follow: bool = typer.Option(
        False, "--follow", "-f",
        help="Stream task states and log lines until the run ends; exit 1 if it does not "
        "succeed.",
    ),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    """Show one run: its state, each task's state, duration, note and log file, and once
    it ended what it produced (metrics, model versions, alias moves, outputs, links).

    With --follow, wait for the run to end, printing each task's state changes and
    the new lines of its log (local workspace) as they come.

    Examples:

        mlops-stacks runs get RUN_ID
        mlops-stacks runs get RUN_ID --follow
        mlops-stacks runs get RUN_ID -o json
    """
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.cli.run_view import RunView, format_duration, print_failures

    json_mode = output is OutputFormat.json
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    record = workspace.get_run(run_id)
    if follow:
        from mlops_stacks.runner.follow import follow_run

        def log_line(task: str, line: str) -> None:
            term.out.print(f"  [{task}] {line}", markup=False, highlight=False, soft_wrap=True)

        view = RunView(term.out, live=False)
        record = follow_run(workspace.get_run, run_id, view,
                            on_log_line=None if json_mode else log_line)
    from mlops_stacks.workspace.run_results import results_of

    results = results_of(workspace, bundle, record)
    if json_mode:
        term.json({**record.to_dict(),
                   **({"results": results.to_dict()} if results is not None else {})})
    else:
        if not follow:
            term.print(f"Run {record.run_id} of {record.job_key}: {record.state}")
            term.print(f"Started {_time(record.start_time)}, took "
                       f"{format_duration(record.duration)}")
        if record.error and record.state in ("SKIPPED", "QUEUED"):
            term.print(record.error)
        if record.params:
            term.print("Parameters: " + ", ".join(f"{k}={v}" for k, v in record.params.items()))
        if record.tasks and not follow:
            term.table(
                ["Task", "State", "Duration", "Log"],
                [
                    [t.key, t.state, format_duration(t.duration) if t.start_time else "",
                     t.log_path or ""]
                    for t in record.tasks.values()
                ],
            )
        print_failures(record, term.out)
        url = getattr(record, "url", None)
        if results is not None:
            from mlops_stacks.cli.results_view import print_results

            print_results(term, record, results)
        elif url:
            term.print(f"Run page: {url}")
    if follow and record.state != "SUCCESS":
        raise typer.Exit(1)


@runs_app.command("cancel")
def cancel(
    run_id: str = RUN_ID,
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Ask for the cancel and return without waiting for the run to end."
    ),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    """Cancel a run: its running tasks stop, the others never start.

    Works for runs started with `run --no-wait` and for runs another terminal is
    following. Waits until the run has ended, unless --no-wait.

    Examples:

        mlops-stacks runs cancel RUN_ID
        mlops-stacks runs cancel RUN_ID --no-wait
    """
    from mlops_stacks.cli.context import open_target

    json_mode = output is OutputFormat.json
    term, _bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    before = workspace.get_run(run_id)
    record = workspace.cancel_run(run_id, wait=not no_wait)
    if json_mode:
        term.json(record.to_dict())
    elif before.done:
        term.print(f"Run {record.run_id} of {record.job_key} had already ended: {record.state}.")
    elif record.done:
        term.print(f"Run {record.run_id} of {record.job_key}: {record.state}.")
    else:
        term.print(f"Asked run {record.run_id} of {record.job_key} to cancel.")
        term.print(f"Follow it with: mlops-stacks runs get {record.run_id} --follow")


@runs_app.command("logs")
def logs(
    run_id: str = RUN_ID,
    task: str | None = typer.Argument(None, help="Only this task's log (its task key)."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
) -> None:
    """Print the logs of a run's tasks (stdout and stderr of each task, tracebacks included).

    Examples:

        mlops-stacks runs logs RUN_ID
        mlops-stacks runs logs RUN_ID Train
    """
    from mlops_stacks.bundle.suggest import did_you_mean
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.runner.follow import read_log

    term, bundle, workspace = open_target(target, var, profile)
    record = workspace.get_run(run_id)
    if task is not None and task not in record.tasks:
        keys = list(record.tasks)
        raise MlopsStacksError(
            f"Run {run_id} of {record.job_key} has no task '{task}'.",
            hint=f"Its tasks: {', '.join(keys) or 'none'}.{did_you_mean(task, keys)}",
        )
    found = read_log(record, task)
    if not found:
        url = getattr(record, "url", None)
        where = f" Open the run page for them: {url}" if url else ""
        raise MlopsStacksError(
            f"No task logs for run {run_id}"
            + (f" task {task}" if task else "") + " on this machine." + where,
            hint="Logs are written when a task starts; `mlops-stacks runs get "
            f"{run_id}` shows each task's state.",
        )
    from mlops_stacks.runner.follow import project_paths

    files_dir = getattr(workspace, "files_dir", None)
    rewritten = False
    for key, text in found:
        if files_dir is not None:
            text, swapped = project_paths(text, files_dir, bundle.sync_root)
            rewritten = rewritten or swapped
        if task is None:
            term.print(f"==> {key} <==")
        term.out.file.write(text if text.endswith("\n") or not text else text + "\n")
        term.out.file.flush()
    if rewritten:
        term.err.print(
            f"Note: paths are shown as this project's files; the run used the deployed copy "
            f"in {files_dir} (edits since the last deploy are not in it).", markup=False,
            style="dim")


def _warn_unreadable(term: Terminal, unreadable: list[Path]) -> None:
    """Say which run records a listing left out because they cannot be read."""
    from mlops_stacks.runner.record import DAMAGED_RUN_HINT

    for path in unreadable:
        term.warn(f"Left out the run record {path}: it cannot be read. {DAMAGED_RUN_HINT}")


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")


__all__ = ["register", "runs_app"]
