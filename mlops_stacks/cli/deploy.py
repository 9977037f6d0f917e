"""``mlops-stacks deploy``: sync files and create, update or delete the target's resources."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import AUTO_APPROVE, TARGET, VAR

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.deploy.plan import Action
    from mlops_stacks.workspace.protocol import Workspace

HELP = """Deploy the bundle to a target: sync files, then create/update/delete resources.

Validates the bundle first (errors stop the deploy). Takes the target's deployment
lock, so a second deploy of the same target at the same time fails fast and says
who holds it. Files are synced by content hash (git-ignored files, `sync.exclude`
and `.mlops-stacks/` are skipped; deleted files are removed). Resources change one
at a time and the state is saved after each, so an interrupted deploy is repaired
by the next one. Resources deleted outside mlops-stacks (a job deleted in the UI,
an experiment deleted in MLflow) are created again, with a warning.

On the local target, experiments and registered models are created in the
target's MLflow store (`.mlops-stacks/<target>/mlflow/`); jobs are stored for
`mlops-stacks run`.

Deleting an experiment or a registered model deletes its runs or versions, so
deploy asks first; in CI pass --auto-approve.

Examples:

    mlops-stacks deploy                          # the default target (local)
    mlops-stacks deploy -t staging --auto-approve
    mlops-stacks deploy --force-lock             # after a crashed deploy on another host

Ends with `Resources: N created, N changed, N deleted, N unchanged` and
`Files: N uploaded, N deleted, N unchanged`.
"""

FORCE_LOCK = typer.Option(
    False, "--force-lock",
    help="Break the target's deployment lock even if another deploy holds it.",
)


def confirm_deletions(term: terminal.Terminal, auto_approve: bool, question: str):  # noqa: ANN201
    """An ``approve`` callback: yes with --auto-approve, else ask (no terminal: no)."""

    def approve(actions: list[Action]) -> bool:
        if auto_approve:
            return True
        term.warn("these resources and the data they hold would be deleted:")
        for a in actions:
            ident = a.deployed.id if a.deployed else "?"
            term.err.print(f"  - {a.address} ({a.name or ident}, id {ident})", markup=False)
        if not term.interactive:
            return False
        return term.confirm(question, default=False)

    return approve


def _spinner_unless_asking(term: terminal.Terminal, bundle: Bundle, workspace: Workspace,
                           auto_approve: bool) -> AbstractContextManager[None]:
    """A spinner for the deploy, unless it will stop to ask a question (prompts and
    spinners do not mix)."""
    if term.interactive and not auto_approve:
        from mlops_stacks.deploy import compute_plan, load_state
        from mlops_stacks.deploy.apply import data_holding

        state = load_state(workspace, bundle.name, bundle.target)
        if data_holding(compute_plan(bundle.all_resources(), state).actions):
            return contextlib.nullcontext()
    return term.status(f"Deploying {bundle.name} to {bundle.target}")


def deploy(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    auto_approve: bool = AUTO_APPROVE,
    force_lock: bool = FORCE_LOCK,
) -> None:
    from mlops_stacks.cli.plan import load_target_bundle
    from mlops_stacks.deploy import deploy as run_deploy
    from mlops_stacks.workspace import open_workspace

    term = terminal.current(json_mode=False)
    bundle = load_target_bundle(target, var, term)
    workspace = open_workspace(bundle)
    where = workspace.info().details.get("directory") or workspace.info().root_path
    term.print(f"Deploying bundle {bundle.name} to target {bundle.target} ({where})")
    approve = confirm_deletions(term, auto_approve, "Delete them?")
    with _spinner_unless_asking(term, bundle, workspace, auto_approve):
        result = run_deploy(bundle, workspace, force_lock=force_lock, approve=approve,
                            progress=term.info, warn=term.warn)
    if result.files is not None:
        term.print(result.files.summary_line(done=True))
    term.print(result.summary_line())
    term.success("Deployment complete!")


def register(app: typer.Typer) -> None:
    app.command("deploy", help=HELP)(deploy)


__all__ = ["confirm_deletions", "deploy", "register"]
