"""``mlops-stacks generate job``: bring a job that exists in the workspace into the bundle."""

from __future__ import annotations

import typer

from mlops_stacks.cli.options import PROFILE, TARGET, VAR

sub = typer.Typer(
    name="generate",
    help="Write bundle configuration from resources that exist in a Databricks workspace.",
    no_args_is_help=True,
)


@sub.command("job")
def job(
    existing_job_id: str = typer.Option(
        ..., "--existing-job-id", metavar="ID", help="The ID of the job in the workspace."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Resource key (default: from the job's name)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
) -> None:
    """Write resources/KEY.job.yml and the job's notebooks (src/) from a workspace job.

    Then adopt the job so the next deploy updates it instead of creating a copy:
    `mlops-stacks deployment bind jobs.KEY ID -t TARGET`.
    Example: `mlops-stacks generate job --existing-job-id 123 -t staging`
    """
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.errors import UsageError
    from mlops_stacks.workspace.databricks.backend import DatabricksWorkspace
    from mlops_stacks.workspace.databricks.generate import generate_job

    term, bundle, workspace = open_target(target, var, profile)
    if not isinstance(workspace, DatabricksWorkspace):
        raise UsageError(
            f"Target {bundle.target} is the local workspace; generate reads jobs from Databricks.",
            hint="Pass -t with a target whose workspace.host is a Databricks workspace.",
        )
    name, written = generate_job(workspace.conn, existing_job_id, bundle.root, key=key,
                                 force=force)  # fmt: skip
    for path in written:
        term.print(f"  wrote {path.relative_to(bundle.root)}")
    term.success(
        f"Generated jobs.{name}. Adopt the existing job with: mlops-stacks deployment bind "
        f"jobs.{name} {existing_job_id} -t {bundle.target}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="generate")


__all__ = ["register"]
