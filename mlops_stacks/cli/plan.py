"""``mlops-stacks plan``: what a deploy would create, change or delete, without doing it.

Also home of ``load_target_bundle``, which every deployment command uses to
load and validate the bundle (errors are rendered as diagnostics, exit 1).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, TARGET, VAR, OutputFormat, parse_pairs

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.deploy.plan import Plan
    from mlops_stacks.deploy.sync import SyncPlan

HELP = """Show what `deploy` would do to a target, without changing anything.

Compares the bundle's resources with what is deployed (the target's state) and lists
each one as create (+), update (~, with the fields that change), delete (-) or
unchanged (=), then the files that would be uploaded or deleted. A resource that
was deleted outside mlops-stacks (in the workspace UI, in MLflow) is planned as a
create, with a warning.

Examples:

    mlops-stacks plan                  # the default target (local)
    mlops-stacks plan -t staging --var catalog=stg
    mlops-stacks plan -o json | jq .summary

Ends with `Plan: N to add, N to change, N to delete, N unchanged`.
"""

_SIGNS = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}


def load_target_bundle(target: str | None, var: list[str] | None,
                       term: terminal.Terminal) -> Bundle:
    """Load and validate the bundle for ``target``; errors are printed and raise ``ConfigError``.

    Warnings are printed on stderr and do not stop the command.
    """
    from mlops_stacks.bundle import load_bundle
    from mlops_stacks.diagnostics import Diagnostics, render_github, render_text
    from mlops_stacks.errors import ConfigError

    variables = parse_pairs(var, "--var")
    try:
        bundle, diags = load_bundle(target=target, variables=variables)
        if bundle is not None and not bundle.is_local and bundle.host:
            # A Databricks target: resolve ${workspace.current_user.*} (and the default
            # workspace paths) with the identity behind the credentials, then reload.
            from mlops_stacks.workspace.databricks import current_user

            user = current_user(bundle.host, bundle.workspace.get("profile") or None)
            bundle, diags = load_bundle(target=target, variables=variables, current_user=user)
    except ConfigError as exc:
        if not exc.diagnostics:
            raise
        bundle, diags = None, exc.diagnostics
    diags = Diagnostics(diags)
    root = str(bundle.root) if bundle is not None else os.getcwd()
    shown = Diagnostics(d for d in diags if d.severity.value in ("error", "warning"))
    if shown:
        term.err.print(render_text(shown, root), markup=False)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            term.err.print(render_github(shown, root), markup=False)
    if bundle is None or diags.has_errors():
        n = len(diags.errors)
        raise ConfigError(
            f"The bundle has {n} error{'s' if n != 1 else ''}; nothing was changed.",
            diags,
            hint="Fix the problems above (`mlops-stacks validate` lists them) and try again.",
        )
    return bundle


def render_plan(term: terminal.Terminal, plan: Plan, files: SyncPlan | None,
                show_unchanged: bool = True) -> None:
    """Print one line per action, field diffs under updates, then the file line."""
    from mlops_stacks.deploy.diff import render_value

    for action in plan.actions:
        if action.op == "unchanged" and not show_unchanged:
            continue
        name = f"  ({action.name})" if action.name and action.name != action.key else ""
        term.print(f"  {_SIGNS[action.op]} {action.op:<9} {action.address}{name}")
        for change in action.changes:
            term.print(f"        {change.path}: {render_value(change.old)} -> "
                       f"{render_value(change.new)}")
    if plan.actions:
        term.print()
    if files is not None:
        term.print(files.summary_line())
        for rel in files.upload[:20]:
            term.print(f"  + {rel}")
        for rel in files.delete[:20]:
            term.print(f"  - {rel}")
        more = max(0, len(files.upload) - 20) + max(0, len(files.delete) - 20)
        if more:
            term.print(f"  ... and {more} more")


def plan_data(bundle: Bundle, plan: Plan, files: SyncPlan) -> dict[str, Any]:
    return {
        "bundle": bundle.name,
        "target": bundle.target,
        **plan.to_dict(),
        "files": files.to_dict(),
    }


def plan(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    output: OutputFormat = OUTPUT,
) -> None:
    from mlops_stacks.deploy import preview
    from mlops_stacks.workspace import open_workspace

    json_mode = output is OutputFormat.json
    term = terminal.current(json_mode=json_mode)
    bundle = load_target_bundle(target, var, term)
    workspace = open_workspace(bundle)
    the_plan, files, _state = preview(bundle, workspace)
    for message in the_plan.warnings:
        term.warn(message)
    if json_mode:
        term.json(plan_data(bundle, the_plan, files))
        return
    term.print(f"Bundle {bundle.name}, target {bundle.target} ({bundle.host or 'no host'})")
    term.print()
    render_plan(term, the_plan, files)
    term.print(the_plan.summary_line())


def register(app: typer.Typer) -> None:
    app.command("plan", help=HELP)(plan)


__all__ = ["load_target_bundle", "plan", "register", "render_plan"]
