"""``mlops-stacks models list``: the bundle's registered models, versions and aliases."""

from __future__ import annotations

import datetime as dt

import typer

from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat

models_app = typer.Typer(
    name="models",
    help="""Show the bundle's registered models: their versions and aliases.

Examples:

    mlops-stacks models list
    mlops-stacks models list -o json
""",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@models_app.command("list")
def list_models(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    """List each registered model, its versions (newest first) and their aliases.

    On the local workspace they come from the target's MLflow store; on Databricks
    each model's page is given (its versions are in Unity Catalog).

    Examples:

        mlops-stacks models list
        mlops-stacks models list -o json
    """
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.registered_models import list_models as find_models

    json_mode = output is OutputFormat.json
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    models = find_models(bundle, workspace)
    if json_mode:
        term.json([m.to_dict() for m in models])
        return
    if not models:
        term.print(f"Bundle {bundle.name} defines no registered model.")
        return
    for model in models:
        term.out.print(f"{model.key}: {model.name}", markup=False, soft_wrap=True, style="bold")
        if not model.deployed:
            term.print(f"  not deployed (run: mlops-stacks deploy -t {bundle.target})")
        elif model.url:
            term.out.print(f"  {model.url}", markup=False, soft_wrap=True)
        elif not model.versions:
            term.print("  no versions yet (run the training job)")
        else:
            term.table(["Version", "Aliases", "Created", "MLflow run"], [
                [v.version, ", ".join("@" + a for a in v.aliases),
                 dt.datetime.fromtimestamp(v.created).strftime("%Y-%m-%d %H:%M:%S"), v.run_id]
                for v in model.versions])


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


__all__ = ["models_app", "register"]
