"""``mlops-stacks deploy``: sync files and create, update or delete the target's resources."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli.options import (
    AUTO_APPROVE,
    FORCE_LOCK,
    PARALLELISM,
    PROFILE,
    TARGET,
    VAR,
)
from mlops_stacks.errors import UsageError
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.workspace.protocol import Workspace

HELP = """Deploy the bundle to a target: sync files, then create/update/delete resources.

Validates the bundle first (errors stop the deploy). Takes the target's deployment
lock, so a second deploy of the same target at the same time fails fast and says
who holds it. Files are synced by content hash (git-ignored files, `sync.exclude`
and `.mlops-stacks/` are skipped; deleted files are removed). Resources change
over their dependency graph, up to `--parallelism` at once on Databricks (a
resource starts once what it references is done), and each change is recorded in
the state as it lands, so an interrupted deploy is repaired by the next one. A
failed change stops only what depends on it; every failure is reported at the
end. Resources deleted outside mlops-stacks (a job deleted in the UI, an
experiment deleted in MLflow) are created again, with a warning.

On the local target, experiments and registered models are created in the
target's MLflow store (`.mlops-stacks/<target>/mlflow/`); jobs are stored for
`mlops-stacks run`. Each other kind says what it means locally, or that it runs
only on Databricks and is skipped. A serving endpoint whose model version is not
registered yet is deferred with a note; a later deploy creates it.

`--select KEY` deploys one resource and what it references; `--plan FILE` applies
a plan saved with `mlops-stacks plan -o json > FILE`, or refuses when the target
changed since.

Deleting an experiment or a registered model deletes its runs or versions, so
deploy asks first; in CI pass --auto-approve.

Examples:

    mlops-stacks deploy
    mlops-stacks deploy -t staging --auto-approve
    mlops-stacks deploy -t prod -p prod-sp
    mlops-stacks deploy --force-lock

The first deploys the default target (`local`); `-p` names a profile in
~/.databrickscfg; `--force-lock` breaks a lock left by a crashed deploy.

Ends with `Resources: N created, N changed, N deleted, N unchanged` and
`Files: N uploaded, N deleted, N unchanged`.
"""


def deploy(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    auto_approve: bool = AUTO_APPROVE,
    force_lock: bool = FORCE_LOCK,
    select: list[str] | None = typer.Option(
        None, "--select", metavar="KEY",
        help="Deploy only this resource (KEY or KIND.KEY) and what it references; "
        "repeatable. Nothing else is created, changed or deleted.",
    ),
    plan_file: Path | None = typer.Option(
        None, "--plan", metavar="FILE",
        help="Apply exactly the plan saved by `plan -o json > FILE`; refuses (nothing "
        "deployed) when the target or the bundle changed since.",
    ),
    parallelism: int | None = PARALLELISM,
) -> None:
    from mlops_stacks.cli.context import open_target

    saved = None
    if plan_file is not None:
        from mlops_stacks.deploy.saved_plan import read_saved_plan

        saved = read_saved_plan(plan_file)
        if select:
            raise UsageError("--select and --plan cannot be combined: the saved plan "
                             "already says what to deploy.")
        select = list((saved.get("basis") or {}).get("select") or []) or None
    term, bundle, workspace = open_target(target, var, profile)
    apply_deploy(term, bundle, workspace, auto_approve=auto_approve, force_lock=force_lock,
                 select=select, saved_plan=saved, parallelism=parallelism)


def apply_deploy(term: Terminal, bundle: Bundle, workspace: Workspace, *, auto_approve: bool,
                 force_lock: bool, select: list[str] | None = None,
                 saved_plan: JsonObject | None = None,
                 parallelism: int | None = None) -> None:
    """Deploy with the prompts, progress and summary lines of ``deploy`` (also ``run --deploy``).

    Warnings (resources recreated, links not synced) are printed as diagnostics.
    """
    from mlops_stacks.cli.approval import confirm_deletions, spinner_unless_asking
    from mlops_stacks.deploy import check_deployable
    from mlops_stacks.deploy import deploy as run_deploy
    from mlops_stacks.diagnostics import render_github, render_text, warning
    from mlops_stacks.parallelism import parallelism_from

    check_deployable(bundle, workspace)

    where = workspace.info().directory or workspace.info().root_path
    term.print(f"Deploying bundle {bundle.name} to target {bundle.target} ({where})")
    approve = confirm_deletions(
        term, auto_approve, heading="these resources and the data they hold would be deleted:",
        question="Delete them?")
    asking = term.interactive and not auto_approve and _deletes_data(bundle, workspace)

    def warn(message: str) -> None:  # shown as it happens; result.warnings keeps them
        term.err.print(render_text([warning(message)], str(bundle.root)), markup=False)

    with spinner_unless_asking(term, f"Deploying {bundle.name} to {bundle.target}", asking):
        result = run_deploy(bundle, workspace, force_lock=force_lock, approve=approve,
                            progress=term.info, warn=warn, select=select,
                            saved_plan=saved_plan, parallelism=parallelism_from(parallelism))
    for line in result.plan.kind_notes:
        term.print(f"  {line}")
    if result.warnings and os.environ.get("GITHUB_ACTIONS") == "true":
        term.err.print(render_github(result.warnings, str(bundle.root)), markup=False)
    if result.files is not None:
        term.print(result.files.summary_line(done=True))
    term.print(result.summary_line())
    term.success("Deployment complete!")


def _deletes_data(bundle: Bundle, workspace: Workspace) -> bool:
    """Whether the deploy would delete resources that hold data (and so may ask first)."""
    from mlops_stacks.deploy import compute_plan, load_state
    from mlops_stacks.deploy.apply import data_holding

    state = load_state(workspace, bundle.name, bundle.target)
    return bool(data_holding(compute_plan(bundle.all_resources(), state).actions))


def register(app: typer.Typer) -> None:
    app.command("deploy", help=HELP)(deploy)


__all__ = ["apply_deploy", "deploy", "register"]
