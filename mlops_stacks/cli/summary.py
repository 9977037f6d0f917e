"""``mlops-stacks summary``: the deployed bundle, its resources with IDs, and how to open them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import OUTPUT, PROFILE, TARGET, VAR, OutputFormat
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace

HELP = """Show what is deployed to a target and how to open it.

Lists the bundle, the target, the workspace (host, paths; for the local target its
folder and MLflow store), each resource with its ID (or `not deployed`), and how to
open it: `mlops-stacks open` for the local MLflow store (it runs `mlflow ui`
on it), a URL on Databricks, and `mlops-stacks run JOB_KEY` for jobs.

Examples:

    mlops-stacks summary
    mlops-stacks summary -o json
    mlops-stacks summary -t staging
"""


def summary_data(bundle: Bundle, workspace: Workspace) -> JsonObject:
    """Everything ``summary`` shows, as plain data (``mlops_stacks.summary`` builds it)."""
    from mlops_stacks.summary import summarize

    return summarize(bundle, workspace).to_dict()


def _render(term: terminal.Terminal, data: JsonObject) -> None:
    b, ws, dep = data["bundle"], data["workspace"], data["deployment"]
    term.print(f"Name: {b['name']}")
    term.print(f"Target: {b['target']}" + (f" (mode: {b['mode']})" if b.get("mode") else ""))
    term.print("Workspace:")
    term.print(f"  Host: {ws['host']}")
    term.print(f"  Path: {ws['root_path']}")
    term.print(f"  Files: {ws['file_path']}" + (f" -> {ws['files']}" if ws.get("files") else ""))
    if ws.get("directory"):
        term.print(f"  Local directory: {ws['directory']}")
    if ws.get("mlflow_tracking_uri"):
        term.print(f"  MLflow tracking/registry URI: {ws['mlflow_tracking_uri']}")
    if dep["updated_at"]:
        term.print(f"Last deployed: {dep['updated_at']} ({dep['files']} files)")
    else:
        term.print("Last deployed: never (run `mlops-stacks deploy`)")
    term.print("Resources:")
    if not data["resources"]:
        term.print("  none")
    for kind, items in data["resources"].items():
        term.print(f"  {kind.replace('_', ' ').capitalize()}:")
        for key, r in items.items():
            where = f"id {r['id']}" if r["deployed"] else "not deployed"
            if r["deployed"] and not r["in_bundle"]:
                where += ", removed from the bundle (deleted by the next deploy)"
            name = f" {r['name']}" if r.get("name") else ""
            term.print(f"    {key}:{name} ({where})")
            opener = r.get("open") or ""
            if opener and opener != ws.get("mlflow_ui") and not opener.startswith(
                    "mlops-stacks run"):
                term.print(f"      open: {opener}")
    jobs = [k for k, r in data["resources"].get("jobs", {}).items() if r["deployed"]]
    term.print("Open:")
    if ws.get("mlflow_ui"):
        term.print(f"  MLflow UI: mlops-stacks open -t {b['target']}")
        term.print(f"    (or: {ws['mlflow_ui']})")
    target = f" -t {b['target']}"
    for key in jobs:
        term.print(f"  Run job {key}: mlops-stacks run {key}{target}")
    if not jobs and not ws.get("mlflow_ui"):
        term.print("  nothing deployed yet")


def summary(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    output: OutputFormat = OUTPUT,
) -> None:
    from mlops_stacks.cli.context import open_target

    json_mode = output is OutputFormat.json
    term, bundle, workspace = open_target(target, var, profile, json_mode=json_mode)
    data = summary_data(bundle, workspace)
    if json_mode:
        term.json(data)
    else:
        _render(term, data)


def register(app: typer.Typer) -> None:
    app.command("summary", help=HELP)(summary)


__all__ = ["register", "summary", "summary_data"]
