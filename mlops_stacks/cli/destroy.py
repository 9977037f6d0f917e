"""``mlops-stacks destroy``: delete a target's deployed resources, synced files and state."""

from __future__ import annotations

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

if TYPE_CHECKING:
    from mlops_stacks.cli.terminal import Terminal

HELP = """Delete everything deployed to a target: resources, synced files and state.

Lists what will be deleted and asks first (experiments and registered models lose
their runs and versions). Without a terminal, --auto-approve is required. While a
run of the target is going on, destroy refuses unless --force. Resources are
deleted in reverse dependency order, up to `--parallelism` at once on Databricks.
A deletion that fails does not stop the others nor the removal of the files; the
command then exits 1, listing each failure and what is left.

Examples:

    mlops-stacks destroy
    mlops-stacks destroy -t dev --auto-approve
"""


def destroy(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    auto_approve: bool = AUTO_APPROVE,
    force_lock: bool = FORCE_LOCK,
    force: bool = typer.Option(
        False, "--force", help="Destroy even while a run of the target is going on."
    ),
    parallelism: int | None = PARALLELISM,
) -> None:
    from mlops_stacks.cli.approval import confirm_deletions, spinner_unless_asking
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.deploy import NotApproved, load_state
    from mlops_stacks.deploy import destroy as run_destroy
    from mlops_stacks.parallelism import parallelism_from

    term, bundle, workspace = open_target(target, var, profile)
    state = load_state(workspace, bundle.name, bundle.target)
    if state.is_empty and workspace.read_state() is None:
        term.print(f"Nothing is deployed to target {bundle.target}; nothing to destroy.")
        return
    approve = confirm_deletions(
        term, auto_approve,
        heading=f"destroy deletes everything deployed to target {bundle.target}:",
        question=f"Destroy target {bundle.target}?",
        also=[f"{len(state.files)} synced files and the deployment state"], mark_data=True)
    if not state.all() and not approve([]):
        raise NotApproved("Destroy was not approved; nothing was deleted.",
                          hint="Re-run with --auto-approve to delete without asking.")
    asking = term.interactive and not auto_approve
    with spinner_unless_asking(term, f"Destroying {bundle.name} on {bundle.target}", asking):
        result = run_destroy(bundle, workspace, force_lock=force_lock, approve=approve,
                             progress=term.info, force=force, warn=term.warn,
                             parallelism=parallelism_from(parallelism))
    deleted_files = len(result.files.delete) if result.files else 0
    term.print(f"Resources: {result.count('delete')} deleted")
    term.print(f"Files: {deleted_files} deleted")
    term.success(f"Destroyed target {bundle.target}.")
    _stop_serving(term, getattr(workspace, "dir", None))


def _stop_serving(term: Terminal, target_dir: Path | None) -> None:
    """A `serve` of this target would go on scoring with a deleted model: stop it."""
    from mlops_stacks.serving.record import stop_serving

    stopped = stop_serving(target_dir) if target_dir is not None else None
    if stopped is not None:
        term.warn(f"Stopped `mlops-stacks serve` (pid {stopped.pid}) at {stopped.url}: it "
                  f"served {stopped.model} version {stopped.version}, which destroy deleted.")


def register(app: typer.Typer) -> None:
    app.command("destroy", help=HELP)(destroy)


__all__ = ["destroy", "register"]
