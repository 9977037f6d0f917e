"""``mlops-stacks update``: take a newer template version into a generated project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, OutputFormat
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.scaffold.update import UpdateResult

# `update --check` exits with this code when a newer template version exists
# (0: up to date; 1 and 2 keep meaning errors).
UPDATE_AVAILABLE = 100

HELP = f"""Update a generated project to a newer version of its template.

A 3-way merge: your edits are kept and the template's changes are applied.
Where both changed the same lines, the file gets both sides between conflict
markers (`--conflict inline`), or the template's side with your change saved
in a `.rej` file beside it (`--conflict rej`); update then lists the files and
exits 1. Your side is never lost.

The project must be a git repository with everything committed (review the
result with `git diff`). The built-in template's earlier releases ship with
mlops-stacks, so updating from it works offline. Run it in the project folder,
or at the root of a CI/CD-only repository for the repository's own files.

`--check` only says whether a newer version exists: exit 0 when current,
exit {UPDATE_AVAILABLE} when an update is available.

Examples:

    mlops-stacks update                       # to the newest version
    mlops-stacks update --pretend             # show what would change
    mlops-stacks update --pretend --diff      # and how, line by line
    mlops-stacks update --vcs-ref v2.0.0 --conflict rej
    mlops-stacks update --check -o json
"""


def update(
    project_dir: Path = typer.Argument(
        Path("."), metavar="PROJECT_DIR", help="The generated project (default: here)."
    ),
    vcs_ref: str = typer.Option(
        None, "--vcs-ref", metavar="REF", help="Template version (tag or commit) to update to."
    ),
    pretend: bool = typer.Option(
        False, "--pretend", help="Show what would change; write nothing."
    ),
    diff: bool = typer.Option(
        False, "--diff", help="Also print the changes as a unified diff (with --pretend: "
        "the changes the update would make)."
    ),
    conflict: str = typer.Option(
        "inline", "--conflict", metavar="inline|rej", help="How to leave conflicts."
    ),
    data: list[str] = typer.Option(
        None, "--data", "-d", metavar="KEY=VALUE", help="Change an answer. Repeatable."
    ),
    defaults: bool = typer.Option(
        False, "--defaults", help="Take the default for new questions."
    ),
    trust: bool = typer.Option(
        False, "--trust", help="Let the template run its tasks and migrations."
    ),
    skip_answered: bool = typer.Option(
        False, "--skip-answered", help="Do not ask again questions answered before."
    ),
    check: bool = typer.Option(
        False, "--check", help=f"Only check for a newer version (exit {UPDATE_AVAILABLE} if so)."
    ),
    output: OutputFormat = OUTPUT,
) -> None:
    from mlops_stacks.scaffold.answers import parse_data

    term = terminal.current(json_mode=output == OutputFormat.json)
    if check:
        _check(term, project_dir)
        return
    from mlops_stacks.scaffold.update import UpdateOptions, update_project

    options = UpdateOptions(
        project_dir=project_dir,
        vcs_ref=vcs_ref,
        pretend=pretend,
        conflict=conflict,
        data={k: g.value for k, g in parse_data(data).items()},
        defaults=defaults or not term.interactive,
        trust=trust,
        skip_answered=skip_answered,
        diff=diff,
    )
    if options.defaults:
        with term.status("Updating the project..."):
            result = update_project(options)
    else:  # copier may ask new questions at the terminal: no spinner over its prompts
        result = update_project(options)
    if term.json_mode:
        term.json(_summary(result))
    else:
        _print(term, result)
        _new_answers(term, result, asked=not options.defaults)
    if result.conflicts:
        raise typer.Exit(1)


def _summary(result: UpdateResult) -> JsonObject:
    return {
        "project_dir": str(result.project_dir),
        "source": result.source,
        "from_version": result.from_version,
        "to_version": result.to_version,
        "pretend": result.pretend,
        "changed": result.changed,
        "conflicts": result.conflicts,
        "new_answers": result.new_answers,
        **({"diff": result.diff} if result.diff else {}),
    }


def _print(term: Terminal, result: UpdateResult) -> None:
    versions = f"{result.from_version} -> {result.to_version}"
    if not result.changed:
        term.success(f"Already up to date ({result.to_version}); nothing changed.")
        return
    verb = "Would update" if result.pretend else "Updated"
    term.success(f"{verb} {result.project_dir} ({versions}):")
    for rel in result.changed:
        term.print(f"  {rel}")
    if result.diff:
        term.out.file.write(result.diff if result.diff.endswith("\n") else result.diff + "\n")
        term.out.file.flush()
    if result.conflicts:
        term.warn(
            f"{len(result.conflicts)} file(s) have conflicts: {', '.join(result.conflicts)}."
        )
        term.print(
            "Both you and the template changed the same lines. Edit the files (look for "
            "<<<<<<< markers, or for your change in the .rej file beside each), then "
            "`git add` and commit."
        )
    elif not result.pretend:
        term.print("Review with `git diff`, then commit.")


def _new_answers(term: Terminal, result: UpdateResult, *, asked: bool) -> None:
    """Say which new questions were answered, and with what, when nobody was asked."""
    if not result.new_answers or asked:
        return
    pairs = ", ".join(f"{k}={v}" for k, v in result.new_answers.items())
    verb = "would take" if result.pretend else "took"
    term.warn(f"The new version asks {len(result.new_answers)} new question(s); with no "
              f"terminal to ask (or --defaults), the update {verb} their defaults: {pairs}.")
    key = next(iter(result.new_answers))
    term.print(f"To answer differently: mlops-stacks update --data {key}=VALUE (repeatable).")


def _check(term: Terminal, project_dir: Path) -> None:
    from mlops_stacks.scaffold.update import check_for_update

    result = check_for_update(project_dir)
    if term.json_mode:
        term.json(
            {
                "project_dir": str(result.project_dir),
                "source": result.source,
                "current": result.current,
                "latest": result.latest,
                "update_available": result.update_available,
            }
        )
    elif result.update_available:
        term.warn(
            f"A newer template version is available: {result.current} -> {result.latest}. "
            "Run `mlops-stacks update`."
        )
    else:
        term.success(f"Up to date ({result.current}).")
    if result.update_available:
        raise typer.Exit(UPDATE_AVAILABLE)


def register(app: typer.Typer) -> None:
    app.command("update", help=HELP)(update)
