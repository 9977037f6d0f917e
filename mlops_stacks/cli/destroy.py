"""``mlops-stacks destroy``: delete a target's deployed resources, synced files and state."""

from __future__ import annotations

import contextlib

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.deploy import FORCE_LOCK
from mlops_stacks.cli.options import AUTO_APPROVE, TARGET, VAR

HELP = """Delete everything deployed to a target: resources, synced files and state.

Lists what will be deleted and asks first (experiments and registered models lose
their runs and versions). Without a terminal, --auto-approve is required.

Examples:

    mlops-stacks destroy                   # the default target (local), asks first
    mlops-stacks destroy -t dev --auto-approve
"""


def destroy(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    auto_approve: bool = AUTO_APPROVE,
    force_lock: bool = FORCE_LOCK,
) -> None:
    from mlops_stacks.cli.plan import load_target_bundle
    from mlops_stacks.deploy import destroy as run_destroy
    from mlops_stacks.deploy import load_state
    from mlops_stacks.workspace import open_workspace

    term = terminal.current(json_mode=False)
    bundle = load_target_bundle(target, var, term)
    workspace = open_workspace(bundle)
    state = load_state(workspace, bundle.name, bundle.target)
    if state.is_empty and workspace.read_state() is None:
        term.print(f"Nothing is deployed to target {bundle.target}; nothing to destroy.")
        return

    def approve(actions: list) -> bool:  # type: ignore[type-arg]
        if auto_approve:
            return True
        term.warn(f"destroy deletes everything deployed to target {bundle.target}:")
        for a in actions:
            held = " (and its data)" if a.kind in ("experiments", "registered_models",
                                                  "models") else ""
            term.err.print(f"  - {a.address} ({a.name or a.key}, id {a.deployed.id}){held}",
                           markup=False)
        term.err.print(f"  - {len(state.files)} synced files and the deployment state",
                       markup=False)
        if not term.interactive:
            return False
        return term.confirm(f"Destroy target {bundle.target}?", default=False)

    if not state.all() and not approve([]):
        from mlops_stacks.deploy import NotApproved

        raise NotApproved("Destroy was not approved; nothing was deleted.",
                          hint="Re-run with --auto-approve to delete without asking.")
    asking = term.interactive and not auto_approve  # prompts and spinners do not mix
    spinner = term.status(f"Destroying {bundle.name} on {bundle.target}")
    with contextlib.nullcontext() if asking else spinner:
        result = run_destroy(bundle, workspace, force_lock=force_lock, approve=approve,
                             progress=term.info)
    deleted_files = len(result.files.delete) if result.files else 0
    term.print(f"Resources: {result.count('delete')} deleted")
    term.print(f"Files: {deleted_files} deleted")
    term.success(f"Destroyed target {bundle.target}.")


def register(app: typer.Typer) -> None:
    app.command("destroy", help=HELP)(destroy)


__all__ = ["destroy", "register"]
