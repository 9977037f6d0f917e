"""Options shared by several commands, so they read and behave the same everywhere."""

from __future__ import annotations

import enum
import re

import typer

from mlops_stacks.errors import UsageError


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"


TARGET = typer.Option(
    None,
    "-t",
    "--target",
    envvar="DATABRICKS_BUNDLE_TARGET",
    help="Target to use (a key under `targets:`). Defaults to the target marked `default: true`.",
    show_envvar=True,
)
VAR = typer.Option(
    None,
    "--var",
    help="Set a bundle variable, as `name=value`. Repeatable. Wins over `BUNDLE_VAR_<name>`.",
)
PROFILE = typer.Option(
    None,
    "-p",
    "--profile",
    help="Databricks targets: the profile in ~/.databrickscfg (or DATABRICKS_CONFIG_FILE) "
    "to authenticate with; wins over the target's workspace.profile. Not used by the "
    "local workspace.",
)
OUTPUT = typer.Option(
    OutputFormat.text, "-o", "--output", help="`text` for people, `json` for machines."
)
AUTO_APPROVE = typer.Option(
    False, "--auto-approve", help="Skip confirmation prompts (needed in CI for deletions)."
)
FORCE_LOCK = typer.Option(
    False, "--force-lock",
    help="Break the target's deployment lock even if another deploy holds it.",
)
PARALLELISM = typer.Option(
    None,
    "--parallelism",
    metavar="N",
    min=1,
    envvar="MLOPS_STACKS_PARALLELISM",
    show_envvar=True,
    help="Changes (requests, file uploads) in flight at once on a Databricks workspace "
    "(default 10). The local workspace applies one change at a time.",
)


def parse_pairs(pairs: list[str] | None, option: str) -> dict[str, str]:
    """Parse repeated ``key=value`` options; a malformed one is a usage error."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"{option} expects key=value, got {pair!r}",
                hint=f"Example: {option} name=value",
            )
        if option == "--var" and key.strip() in out:
            raise UsageError(
                f"--var sets {key.strip()!r} twice",
                hint="Give each variable once (the Databricks CLI refuses this too).",
            )
        out[key.strip()] = value
    return out


_PAIR_START = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=")


def parse_job_params(values: list[str] | None) -> dict[str, str]:
    """Parse ``--params``: repeatable, and each may hold comma-separated pairs.

    ``--params a=1,b=2`` and ``--params a=1 --params b=2`` mean the same (as with
    the Databricks CLI). A comma starts a new pair only when a ``name=`` follows
    it, so values keep their commas: ``--params "checks=r2>=0.8,rmse<=5"`` sets
    ``checks`` to ``r2>=0.8,rmse<=5``.
    """
    pairs: list[str] = []
    for value in values or []:
        pieces = value.split(",")
        current = pieces[0]
        for piece in pieces[1:]:
            if _PAIR_START.match(piece):
                pairs.append(current)
                current = piece
            else:
                current += "," + piece
        pairs.append(current)
    return parse_pairs(pairs, "--params")
