"""``mlops-stacks sql QUERY``: run SQL on the local target's tables (the Spark engine)."""

from __future__ import annotations

import typer

from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat


def sql(
    query: str = typer.Argument(..., help="One or more SQL statements, separated by ';'."),
    limit: int = typer.Option(100, "--limit", min=1, help="Rows of the result to show."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    """Run SQL on the local target's tables and show the last statement's rows.

    Tables are the target's catalog folder (`.mlops-stacks/<target>/catalog/`);
    `CREATE TABLE name AS SELECT ...` keeps a table for later runs, and
    `/databricks-datasets` and `dbfs:/` paths map as in a job. Needs
    `pip install "mlops-stacks[spark]"` (docs/spark.md).

    Examples:

        mlops-stacks sql "SHOW TABLES IN local.my_schema"
        mlops-stacks sql "SELECT count(*) FROM local.my_schema.predictions"
        mlops-stacks sql "CREATE TABLE scoring AS SELECT * FROM local.s.input"
    """
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.errors import MlopsStacksError
    from mlops_stacks.runner.spark.query import run_sql

    json_mode = output is OutputFormat.json
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    env = getattr(workspace, "mlflow_env", None)
    if not bundle.is_local or env is None:
        raise MlopsStacksError(
            f"Target '{bundle.target}' is a Databricks workspace; `sql` runs on the local "
            "workspace's tables only.",
            hint="Use a SQL warehouse of the workspace, or `-t local`.",
        )
    result = run_sql(query, env(), limit)
    if json_mode:
        term.json(result.to_dict())
        return
    if not result.columns:
        term.print("Done.")
        return
    term.table(result.columns, result.rows)
    if result.truncated:
        term.print(f"(first {limit} rows; --limit N for more)")


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)


__all__ = ["register", "sql"]
