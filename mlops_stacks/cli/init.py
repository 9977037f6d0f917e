"""``mlops-stacks init``: generate a project (or add one to a CI/CD-only repository)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, OutputFormat
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.scaffold.api import InitResult
    from mlops_stacks.scaffold.notes import Note

HELP = """Generate an MLOps project from a template.

Asks the template's questions at a terminal; otherwise takes answers from
`--config-file` (YAML or JSON) and `--data KEY=VALUE` (which wins), and
`--defaults` for the rest. Questions that do not apply to the chosen `setup`
are skipped, and answers given for them are ignored with a warning.

The project is rendered into a temporary folder and moved into place, so a
failure leaves nothing behind; it becomes a git repository with one commit
(unless `--no-git`). OUTPUT_DIR must be new or empty, except for a repository
made with `setup=cicd_only`: `--data setup=project_only` adds a project to it,
with that repository's CI/CD platform, hosts and branches.

Examples:

    mlops-stacks init
    mlops-stacks init --defaults --data project_name=churn
    mlops-stacks init --config-file answers.yml out/churn
    mlops-stacks init --defaults --data cloud=aws --data cicd_platform=gitlab
    mlops-stacks init --defaults --data setup=cicd_only ml-repo
    mlops-stacks init ml-repo --defaults --data setup=project_only

The first asks the questions; the last two make a CI/CD-only repository and
add a project to it.
"""


def _tree(root: Path, files: list[Path], package: str | None) -> list[str]:
    """Top-level entries of ``files``, with the project folder opened one level."""
    entries: dict[str, bool] = {}
    inner: dict[str, bool] = {}
    for rel in files:
        entries[rel.parts[0]] = entries.get(rel.parts[0], False) or len(rel.parts) > 1
        if package and rel.parts[0] == package and len(rel.parts) > 1:
            inner[rel.parts[1]] = inner.get(rel.parts[1], False) or len(rel.parts) > 2
    lines = [f"{root}/"]
    names = sorted(entries)
    for i, name in enumerate(names):
        last = i == len(names) - 1
        note = "   (the ML project: run mlops-stacks commands here)" if name == package else ""
        lines.append(f"{'└──' if last else '├──'} {name}{'/' if entries[name] else ''}{note}")
        if name == package:
            subs = sorted(inner)
            for j, sub in enumerate(subs):
                branch = "└──" if j == len(subs) - 1 else "├──"
                pad = "    " if last else "│   "
                lines.append(f"{pad}{branch} {sub}{'/' if inner[sub] else ''}")
    return lines


def _next_steps(result: InitResult) -> list[str]:
    if result.answers.get("setup") == "cicd_only":
        return [
            f"cd {result.output_dir}",
            f"mlops-stacks init --data setup=project_only {result.output_dir}   # add a project",
        ]
    if result.project_dir is None:
        return [f"cd {result.output_dir}"]
    return [
        f"cd {result.project_dir}",
        "mlops-stacks validate",
        "mlops-stacks deploy",
        "mlops-stacks run model_training_job",
    ]


def _summary(result: InitResult, notes: list[Note]) -> JsonObject:
    return {
        "output_dir": str(result.output_dir),
        "project_dir": str(result.project_dir) if result.project_dir else None,
        "added_to_repository": result.added_to_repository,
        "answers": result.answers,
        "files": [str(f) for f in result.files],
        "commit": result.commit,
        "ignored_answers": result.ignored,
        "inherited_answers": result.inherited,
        "next_steps": _next_steps(result),
        "notes": [n.to_dict() for n in notes],
    }


def init(
    output_dir: Path = typer.Argument(
        None,
        metavar="OUTPUT_DIR",
        help="Folder to create (new or empty). Default: ./<project_name>.",
        show_default=False,
    ),
    config_file: Path = typer.Option(
        None,
        "--config-file",
        metavar="FILE",
        help="YAML or JSON file of answers, e.g. `project_name: churn`.",
    ),
    data: list[str] = typer.Option(
        None,
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="An answer, e.g. `cloud=aws`. Repeatable; wins over --config-file.",
    ),
    defaults: bool = typer.Option(
        False, "--defaults", help="Take the default for every question not answered."
    ),
    template: str = typer.Option(
        None,
        "--template",
        metavar="PATH_OR_URL",
        help="Template folder or git URL. Default: the built-in template.",
    ),
    vcs_ref: str = typer.Option(
        None,
        "--vcs-ref",
        metavar="REF",
        help="Version (tag or commit) of a git --template. Default: its newest tag.",
    ),
    trust: bool = typer.Option(
        False,
        "--trust",
        help="Let the template run code (_tasks, _migrations, Jinja extensions) and keep "
        "symbolic links.",
    ),
    no_git: bool = typer.Option(False, "--no-git", help="Do not create a git repository."),
    output: OutputFormat = OUTPUT,
) -> None:
    from mlops_stacks.scaffold import InitOptions, generate, prepare
    from mlops_stacks.scaffold.answers import parse_data
    from mlops_stacks.scaffold.notes import closing_notes
    from mlops_stacks.scaffold.prompts import Prompter

    term = terminal.current(json_mode=output == OutputFormat.json)
    pairs = {k: g.value for k, g in parse_data(data).items()}
    ask = Prompter(term.err) if term.interactive and not defaults else None
    options = InitOptions(
        output_dir=output_dir,
        data=pairs,
        config_file=config_file,
        defaults=defaults,
        template=template,
        git=not no_git,
        ask=ask,
        vcs_ref=vcs_ref,
        trust=trust,
    )
    plan = prepare(options)  # may prompt: no spinner yet
    with term.status("Generating the project..."):
        result = generate(plan)

    setup = result.answers.get("setup")
    for key in result.ignored:
        if key in result.inherited:
            term.warn(f"ignored {key}: the repository's answers set it ({result.inherited[key]}).")
        else:
            term.warn(f"ignored the answer for {key}: it does not apply with setup={setup}.")
    notes = closing_notes(result)
    if term.json_mode:
        term.json(_summary(result, notes))
        return
    package = result.project_dir.name if result.project_dir else None
    name = result.answers.get("project_name", result.output_dir.name)
    if result.added_to_repository:
        term.success(f"Added project {name} to the repository {result.output_dir}.")
    else:
        kind = f" ({setup})" if setup else ""
        term.success(f"Created {name}{kind} in {result.output_dir}.")
    for line in _tree(result.output_dir, result.files, package):
        term.print(line)
    if result.commit:
        term.info(f"Committed {result.commit[:10]} to git.")
    term.print()
    term.print("Next steps:")
    for step in _next_steps(result):
        term.print(f"  {step}")
    for note in notes:
        term.print()
        term.print(f"Note: {note.title}")
        for line in note.lines:
            term.print(f"  {line}", soft_wrap=True)  # commands stay whole for copying


def register(app: typer.Typer) -> None:
    app.command("init", help=HELP)(init)
