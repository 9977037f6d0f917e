"""``mlops-stacks cicd setup|check``: the service principals and secrets CI deploys with."""

from __future__ import annotations

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, OutputFormat, parse_pairs

PROFILES = typer.Option(
    None, "-p", "--profile", metavar="[ENV=]PROFILE",
    help="The ~/.databrickscfg profile to sign in to the workspaces with: `NAME` for all, "
    "`prod=NAME` for one environment's (repeatable). Default: environment variables, or the "
    "profile whose host is the workspace's.",
)  # fmt: skip

cicd_app = typer.Typer(
    name="cicd",
    help="""Set up and check what the generated CI/CD pipelines need to deploy.

Examples:

    mlops-stacks cicd setup              # dry run: what it would do
    mlops-stacks cicd setup --apply
    mlops-stacks cicd check
    mlops-stacks cicd check -t staging   # first step of the deploy job
""",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@cicd_app.command("setup")
def setup(
    apply: bool = typer.Option(False, "--apply", help="Make the changes (default: dry run)."),
    application_id: list[str] | None = typer.Option(
        None, "--application-id", metavar="ENV=ID",
        help="Azure: the Microsoft Entra application ID of an environment's principal "
        "(`staging=<appId>`). Repeatable.",
    ),  # fmt: skip
    azure_tenant_id: str | None = typer.Option(
        None, "--azure-tenant-id", help="Azure: the Entra tenant ID stored as ARM_TENANT_ID."
    ),
    profile: list[str] | None = PROFILES,
    output: OutputFormat = OUTPUT,
) -> None:
    """Create or reuse one service principal per deploying environment (staging, prod),
    grant it what the deploys need, and store the secrets the pipelines read.

    Run it at the repository root (or below), signed in to each workspace as an admin
    (DATABRICKS_TOKEN / a profile). Secrets go to the CI platform through its CLI (`gh`,
    `az`, `glab`) when it is installed and logged in; otherwise the command says which
    secret to set where. No secret value is ever printed. A dry run unless `--apply`;
    a second run changes nothing.

    Examples:

        mlops-stacks cicd setup
        mlops-stacks cicd setup --apply -o json
    """
    from mlops_stacks.cicd.project import parse_profiles, read_repository
    from mlops_stacks.cicd.setup import Options
    from mlops_stacks.cicd.setup import setup as run_setup

    json_mode = output is OutputFormat.json
    term = terminal.current(json_mode=json_mode)
    options = Options(
        apply=apply, profiles=parse_profiles(profile),
        application_ids=parse_pairs(application_id, "--application-id"),
        tenant_id=azure_tenant_id, progress=term.info,
    )  # fmt: skip
    reports = run_setup(read_repository(), options)
    if json_mode:
        term.json({"applied": apply, "environments": [r.to_dict() for r in reports]})
        return
    for report in reports:
        if report.changes:
            term.print(f"{report.environment} ({report.host}): "
                       f"{'changed' if apply else 'would change'}:")
            for change in report.changes:
                term.print(f"  - {change}")
        for note in report.notes:
            term.print(f"{report.environment}: to do by hand: {note}")
    term.table(
        ["Target", "Principal", "Credential", "Stored in"],
        [[f"{r.environment} ({', '.join(r.targets)})",
          f"{r.principal} ({r.application_id})" if r.application_id else r.principal,
          r.credential_kind, r.stored_where] for r in reports],
    )  # fmt: skip
    pending = any(r.changes for r in reports)
    by_hand = sum(len(r.notes) for r in reports)
    if not apply and pending:
        term.print("Dry run: nothing was changed. Run again with --apply to make these changes.")
    elif not pending and not by_hand:
        term.success("Everything is in place; nothing was changed.")
    if by_hand:
        term.print(f"{by_hand} step{'s are' if by_hand != 1 else ' is'} left to do by hand "
                   "(above); then run `mlops-stacks cicd check`.")


@cicd_app.command("check")
def check(
    target: str | None = typer.Option(
        None, "-t", "--target", help="Only the credentials this target deploys with."
    ),
    profile: list[str] | None = PROFILES,
    output: OutputFormat = OUTPUT,
) -> None:
    """Check that CI can deploy: hosts are real and answer, the secrets the pipelines read
    exist, and each principal can read its deploy root.

    Inside CI (CI, GITHUB_ACTIONS, TF_BUILD or GITLAB_CI set) it checks the job's own
    environment variables and credentials. Exit 1 with one line per gap and its fix.

    Examples:

        mlops-stacks cicd check
        mlops-stacks cicd check -t staging
    """
    from mlops_stacks.cicd.check import check as run_check
    from mlops_stacks.cicd.project import parse_profiles, read_repository

    json_mode = output is OutputFormat.json
    term = terminal.current(json_mode=json_mode)
    gaps = run_check(read_repository(), target, parse_profiles(profile))
    if json_mode:
        term.json({"ok": not gaps, "gaps": [g.to_dict() for g in gaps]})
    else:
        for gap in gaps:
            term.print(gap.line())
        if not gaps:
            term.success("CI/CD is ready: hosts, secrets and principals are in place.")
    if gaps:
        term.err.print(f"{len(gaps)} gap{'s' if len(gaps) != 1 else ''} found.", markup=False)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(cicd_app, name="cicd")


__all__ = ["cicd_app", "register"]
