"""Deploying a bundle to a workspace: plan, file sync, apply, state.

- ``state.py``: what is deployed (resources with IDs and config fingerprints,
  files with content hashes), persisted atomically through the workspace.
- ``plan.py`` (+ ``diff.py``): desired vs deployed -> create/update/delete/unchanged.
- ``sync.py``: which files to sync and which changed, by content hash.
- ``apply.py``: lock, sync files, apply the actions, unlock.
- ``graph.py`` + ``execute.py``: the actions' dependency graph, walked with
  ``--parallelism`` changes at once; every failure reported at the end.
- ``recorder.py``: each change recorded in the state as it lands (a journal on
  the local workspace, one writer thread elsewhere).
- ``faults.py``: a test-only pause point for interrupted-deploy tests.

Only the ``Workspace`` protocol is used; no Databricks or disk specifics here.
"""

from __future__ import annotations

from mlops_stacks.deploy.apply import (
    ApplyResult,
    NotApproved,
    NotDeployable,
    check_deployable,
    deploy,
    destroy,
    preview,
    undeployable,
)
from mlops_stacks.deploy.plan import Action, Plan, compute_plan
from mlops_stacks.deploy.state import DeploymentState, load_state

__all__ = [
    "Action",
    "ApplyResult",
    "DeploymentState",
    "NotApproved",
    "NotDeployable",
    "Plan",
    "check_deployable",
    "compute_plan",
    "deploy",
    "destroy",
    "load_state",
    "preview",
    "undeployable",
]
