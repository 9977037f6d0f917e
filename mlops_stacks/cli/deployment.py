"""``mlops-stacks deployment bind|unbind``: adopt a workspace resource, or release it."""

from __future__ import annotations

import typer

from mlops_stacks.cli.options import FORCE_LOCK, PROFILE, TARGET, VAR

sub = typer.Typer(
    name="deployment",
    help="Adopt existing workspace resources into a target's deployment, or release them.",
    no_args_is_help=True,
)


@sub.command("bind")
def bind(
    address: str = typer.Argument(..., metavar="KIND.KEY", help="e.g. jobs.model_training_job"),
    resource_id: str = typer.Argument(..., metavar="ID", help="The resource's workspace ID."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    force_lock: bool = FORCE_LOCK,
) -> None:
    """Adopt the workspace resource ID as the bundle's KIND.KEY.

    The next deploy updates it to the bundle's configuration instead of creating a
    new one. Example: `mlops-stacks deployment bind jobs.model_training_job 123 -t prod`
    """
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.deploy.bind import bind as do_bind

    term, bundle, workspace = open_target(target, var, profile)
    term.success(do_bind(bundle, workspace, address, resource_id, force_lock=force_lock))


@sub.command("unbind")
def unbind(
    address: str = typer.Argument(..., metavar="KIND.KEY", help="e.g. jobs.model_training_job"),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    force_lock: bool = FORCE_LOCK,
) -> None:
    """Release KIND.KEY: the state forgets it, the resource stays in the workspace."""
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.deploy.bind import unbind as do_unbind

    term, bundle, workspace = open_target(target, var, profile)
    term.success(do_unbind(bundle, workspace, address, force_lock=force_lock))


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="deployment")


__all__ = ["register"]
