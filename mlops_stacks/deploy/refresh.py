"""Refresh the state before planning: notice resources deleted outside mlops-stacks.

The state says what mlops-stacks deployed; someone may since have deleted a
job in the Databricks UI, an experiment in MLflow, or a job's record file.
Planning against such a state would call the resource ``unchanged`` and
leave it missing. So before every plan, the resources the bundle still wants
are checked with ``Workspace.missing_resources`` (reads only, one cheap call
per backend), and the missing ones are dropped from the in-memory state: the
plan then creates them again, and says why in a warning.

Resources that are no longer in the bundle are not checked: they are deleted
anyway, and deleting something already gone is not an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mlops_stacks.deploy.plan import Plan, compute_plan
from mlops_stacks.deploy.state import DeploymentState
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.workspace.protocol import ResourceRef, Workspace


def drop_missing(workspace: Workspace, state: DeploymentState,
                 wanted: Iterable[tuple[str, str]]) -> list[str]:
    """Remove from ``state`` the wanted resources that no longer exist; one warning each."""
    keys = set(wanted)
    refs = [ResourceRef(kind, key, res.id, name=res.name)
            for kind, key, res in state.all() if (kind, key) in keys]
    if not refs:
        return []
    warnings = []
    for ref in workspace.missing_resources(refs):
        state.remove(ref.kind, ref.key)
        what = f"{ref.name}, id {ref.id}" if ref.name else f"id {ref.id}"
        warnings.append(f"{ref.kind}.{ref.key} ({what}) was deleted outside mlops-stacks; "
                        "it will be recreated.")
    return warnings


def read_ahead(workspace: Workspace, desired: Iterable[tuple[str, str, JsonObject]],
               selected: set[tuple[str, str]] | None = None) -> None:
    """Let ``workspace`` start the reads ``refreshed_plan`` will make for ``desired``, so
    they overlap the reading of the state (a workspace without ``read_ahead`` reads them
    when asked)."""
    start = getattr(workspace, "read_ahead", None)
    if start is not None:
        start(Counter(kind for kind, key, _ in desired
                      if selected is None or (kind, key) in selected))


def refreshed_plan(desired: Iterable[tuple[str, str, JsonObject]],
                   state: DeploymentState, workspace: Workspace,
                   selected: set[tuple[str, str]] | None = None) -> Plan:
    """``compute_plan`` after ``drop_missing``; the plan carries the warnings."""
    resources = [r for r in desired if selected is None or (r[0], r[1]) in selected]
    warnings = drop_missing(workspace, state, ((kind, key) for kind, key, _ in resources))
    plan = compute_plan(resources, state, selected)
    plan.warnings = warnings
    return plan
