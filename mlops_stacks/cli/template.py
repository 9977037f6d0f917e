"""``mlops-stacks template``: export the built-in template to fork it, test a template."""

from __future__ import annotations

from pathlib import Path

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, OutputFormat

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


def register(app: typer.Typer) -> None:
    app.add_typer(template_app, name="template")
