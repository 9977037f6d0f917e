"""``mlops-stacks validate``: load a bundle for a target and report every problem.

Text output lists diagnostics (``severity: summary``, ``at <config path>``,
``in <file>:<line>:<col>``), then a summary of the bundle and
``Validation OK!`` or ``Found N errors and M warnings``. ``--output json``
prints the resolved configuration, secrets redacted, with a ``diagnostics``
list. Exits 1 when there are errors (warnings alone exit 0, unless ``--strict``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat, parse_pairs
from mlops_stacks.jsontypes import JsonObject, JsonValue

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.diagnostics import Diagnostic, Diagnostics

HELP = """Validate the bundle (databricks.yml and its includes) for a target.

Checks YAML syntax, the schema (unknown fields, types, allowed values), variables and
`${...}` references, and the jobs themselves (task keys, depends_on, cron schedules).
Every problem names its file:line:col and how to fix it.

Examples:

    mlops-stacks validate
    mlops-stacks validate -t staging --strict
    mlops-stacks validate --var catalog_name=dev -o json
    mlops-stacks validate -o json --include-locations

The first checks the default target (`local`); `--strict` fails on warnings
too (for CI).

Exit code 0 when valid (warnings allowed), 1 when there are errors.
With GITHUB_ACTIONS=true, problems are also printed as GitHub annotations.
"""

#: Resource keys listed per kind in the text summary.
_MAX_NAMES = 5


def redact_secrets(config: JsonValue) -> JsonValue:
    """A copy of a bundle configuration with every secret shown as ``***``
    (see ``mlops_stacks.secrets``)."""
    from mlops_stacks.secrets import bundle_secrets

    return bundle_secrets(config if isinstance(config, dict) else {}).mask(config)


def validate(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    strict: bool = typer.Option(
        False, "--strict", help="Treat warnings (e.g. unknown fields) as errors."
    ),
    output: OutputFormat = OUTPUT,
    profile: str | None = PROFILE,
    include_locations: bool = typer.Option(
        False, "--include-locations",
        help="With -o json: add __locations, the file, line and column of every value."),
) -> None:
    from mlops_stacks.bundle import find_bundle_root
    from mlops_stacks.diagnostics import Diagnostics
    from mlops_stacks.errors import ConfigError
    from mlops_stacks.workspace.current_user import load_bundle

    json_mode = output is OutputFormat.json
    term = terminal.current(json_mode=json_mode)
    variables = parse_pairs(var, "--var")
    root = find_bundle_root()
    try:
        # With credentials for a Databricks target, ${workspace.current_user.*} is resolved
        # by asking the workspace, as deploy does; without any, one warning says so.
        bundle, diags = load_bundle(root, target=target, variables=variables, strict=strict,
                                    profile=profile)
    except ConfigError as exc:
        if not exc.diagnostics:
            raise
        bundle, diags = None, exc.diagnostics
    diags = Diagnostics(diags)
    if strict:
        diags = diags.strict()
    _report(term, bundle, diags, str(root), json_mode, include_locations)
    if diags.has_errors():
        raise typer.Exit(1)


def _report(term: Terminal, bundle: Bundle | None, diags: Diagnostics, root: str | None,
            json_mode: bool, include_locations: bool = False) -> None:
    from mlops_stacks.diagnostics import render_github, render_text, summary_line

    if os.environ.get("GITHUB_ACTIONS") == "true" and diags:
        annotations = render_github(diags, root)
        if json_mode:
            term.err.print(annotations, markup=False)
        else:
            term.print(annotations)
    if json_mode:
        config = redact_secrets(bundle.config) if bundle is not None else {}
        if include_locations and bundle is not None:
            from mlops_stacks.bundle.locations import locations_map

            config["__locations"] = locations_map(bundle.tree, bundle.root)
        term.json({**config, "diagnostics": [_relative(d, root) for d in diags]})
        return
    if diags:
        term.print(render_text(diags, root))
        term.print()
    if bundle is not None:
        term.print(_summary(bundle))
        term.print()
    line = summary_line(diags)
    if diags.has_errors():
        term.print(line)
    else:
        term.success(line)


def _relative(diag: Diagnostic, root: str | None) -> JsonObject:
    data: JsonObject = diag.to_dict()
    if root:
        data["locations"] = [loc.relative_to(root).to_dict() for loc in diag.locations]
    return data


def _summary(bundle: Bundle) -> str:
    from mlops_stacks.bundle import bundle_summary

    facts = bundle_summary(bundle)
    lines = [f"Name: {facts['name']}", f"Target: {facts['target']}"]
    if facts.get("mode"):
        lines.append(f"Mode: {facts['mode']}")
    lines += ["Workspace:", f"  Host: {facts['host'] or '(not set)'}"]
    if facts.get("user"):
        lines.append(f"  User: {facts['user']}")
    for label, key in (("Path", "root_path"), ("Files", "file_path"), ("State", "state_path"),
                       ("Artifacts", "artifact_path")):
        if facts["paths"].get(key):
            lines.append(f"  {label}: {facts['paths'][key]}")
    counts = {kind: n for kind, n in facts["resources"].items() if n}
    if not counts:
        lines.append("Resources: none")
        return "\n".join(lines)
    lines.append("Resources:")
    for kind, count in counts.items():
        names = sorted(bundle.resources(kind))
        shown = ", ".join(names[:_MAX_NAMES]) + (", ..." if len(names) > _MAX_NAMES else "")
        lines.append(f"  {kind.replace('_', ' ').capitalize()} ({count}): {shown}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command("validate", help=HELP)(validate)


__all__ = ["redact_secrets", "register", "validate"]
