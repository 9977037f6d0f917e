"""``mlops-stacks plan``: what a deploy would create, change or delete, without doing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.deploy.plan import Plan
    from mlops_stacks.deploy.sync import SyncPlan

HELP = """Show what `deploy` would do to a target, without changing anything.

Compares the bundle's resources with what is deployed (the target's state) and lists
each one as create (+), update (~, with the fields that change), delete (-) or
unchanged (=), then the files that would be uploaded (+ new, ~ changed) or
deleted (-). A resource that was deleted outside mlops-stacks (in the workspace UI,
in MLflow) is planned as a create, with a warning.

Examples:

    mlops-stacks plan
    mlops-stacks plan -t staging --var catalog_name=stg
    mlops-stacks plan -t prod -p prod-sp
    mlops-stacks plan -o json
    mlops-stacks plan -t staging -o json > plan.json
    mlops-stacks deploy -t staging --plan plan.json
    mlops-stacks plan --select model_training_job

Ends with `Plan: N to add, N to change, N to delete, N unchanged`.
"""

_SIGNS = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}


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
        changed = set(files.changed)
        for rel in files.upload[:20]:
            term.print(f"  {'~' if rel in changed else '+'} {rel}")
        for rel in files.delete[:20]:
            term.print(f"  - {rel}")
        more = max(0, len(files.upload) - 20) + max(0, len(files.delete) - 20)
        if more:
            term.print(f"  ... and {more} more")


def plan_data(bundle: Bundle, plan: Plan, files: SyncPlan,
              not_deployable: list[tuple[str, str]] | None = None) -> JsonObject:
    return {
        "bundle": bundle.name,
        "target": bundle.target,
        **plan.to_dict(),
        "files": files.to_dict(),
        "not_deployable": [f"resources.{kind}.{key}" for kind, key in not_deployable or []],
    }


def plan(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
    select: list[str] | None = typer.Option(
        None, "--select", metavar="KEY",
        help="Plan only this resource (KEY or KIND.KEY) and what it references; repeatable.",
    ),
) -> None:
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.deploy import preview, undeployable

    json_mode = output is OutputFormat.json
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    the_plan, files, _state = preview(bundle, workspace, select=select)
    from mlops_stacks.deploy.sync import skipped_warning

    blocked = undeployable(bundle, workspace)
    messages = [*the_plan.warnings, *map(skipped_warning, files.skipped)]
    if blocked:
        messages.append(
            "deploy cannot deploy these resources to this workspace yet (it stops before "
            "changing anything): " + ", ".join(f"resources.{k}.{key}" for k, key in blocked))
    for message in messages:
        term.warn(message)
    if json_mode:
        term.json(plan_data(bundle, the_plan, files, blocked))
        return
    term.print(f"Bundle {bundle.name}, target {bundle.target} ({bundle.host or 'no host'})")
    term.print()
    render_plan(term, the_plan, files)
    for line in the_plan.kind_notes:
        term.print(f"  {line}")
    term.print(the_plan.summary_line())


def register(app: typer.Typer) -> None:
    app.command("plan", help=HELP)(plan)


__all__ = ["plan", "plan_data", "register", "render_plan"]
