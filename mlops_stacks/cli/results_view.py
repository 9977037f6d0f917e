"""What a finished run produced, for people: metrics, models, aliases, outputs, links.

Every value that a user may copy (paths, URLs, IDs) is printed whole on its own
line, whatever the terminal width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.runner.record import RunRecord
    from mlops_stacks.workspace.run_results import RunResults

#: Metrics printed per MLflow run (the rest are in the MLflow UI).
MAX_METRICS = 8


def print_results(term: Terminal, record: RunRecord, results: RunResults) -> None:
    """After the run view (which showed each task's state and time): what the run made."""
    p = term.out.print
    if results.mlflow_runs:
        p("MLflow runs:", markup=False, style="bold")
        for run in results.mlflow_runs:
            p(f"  {run.name or run.run_id} ({run.experiment}): {run.status.lower()}",
              markup=False, soft_wrap=True)
            if run.params:
                p("    params: " + ", ".join(f"{k}={v}" for k, v in run.params.items()),
                  markup=False, soft_wrap=True)
            shown = list(run.metrics.items())[:MAX_METRICS]
            if shown:
                more = (f" (+{len(run.metrics) - MAX_METRICS} more)"
                        if len(run.metrics) > MAX_METRICS else "")
                p("    " + ", ".join(f"{k}={v:.4g}" for k, v in shown) + more, markup=False,
                  soft_wrap=True)
    if results.model_versions or results.alias_moves or results.kept_aliases:
        p("Models:", markup=False, style="bold")
        for v in results.model_versions:
            p(f"  {v.name}: version {v.version} registered", markup=False, soft_wrap=True)
        for move in results.alias_moves:
            p(f"  {move.describe()}", markup=False, soft_wrap=True)
        for model, alias, version in results.kept_aliases:
            p(f"  {model}: @{alias} kept at version {version}", markup=False, soft_wrap=True)
    if results.outputs:
        p("Outputs:", markup=False, style="bold")
        for path in results.outputs:
            p(f"  {path}", markup=False, soft_wrap=True)
    links = dict(results.links)
    if results.mlflow_runs and "mlflow_experiment" in links:
        links = {"MLflow UI (after `mlops-stacks open`)": links.pop("mlflow_experiment"),
                 **links}
    if links:
        p("Open:", markup=False, style="bold")
        for name, url in links.items():
            p(f"  {name.replace('_', ' ')}: {url}", markup=False, soft_wrap=True)


__all__ = ["print_results"]
