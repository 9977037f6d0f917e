"""Options shared by several commands, so they read and behave the same everywhere."""

from __future__ import annotations

import enum

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
    help="Set a bundle variable, as `name=value`. Repeatable. Wins over BUNDLE_VAR_<name>.",
)
OUTPUT = typer.Option(
    OutputFormat.text, "-o", "--output", help="`text` for people, `json` for machines."
)
AUTO_APPROVE = typer.Option(
    False, "--auto-approve", help="Skip confirmation prompts (needed in CI for deletions)."
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
        out[key.strip()] = value
    return out
