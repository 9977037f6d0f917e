"""Semantic checks of a bundle: what a schema cannot say.

``check_bundle(tree)`` runs every check on the resolved configuration tree
and returns diagnostics located at the offending nodes:

- ``jobs``: duplicate task keys, unknown or cyclic ``depends_on``, undefined
  ``job_cluster_key``/``environment_key``, tasks with no or several kinds of work,
  duplicate job parameters, invalid schedules (``cron``: a Quartz validator);
- ``ml_resources``: Unity Catalog model names, absolute experiment paths,
  serving endpoint names and traffic routes, quality monitor schedules;
- ``references``: ``${resources...}`` references to resources that do not exist;
- ``identity``: run_as, principals, engine, fields the deployment owns, required
  and mutually exclusive fields the Databricks CLI rejects;
- ``run_as_owner``: resources that run as their owner while ``run_as`` names
  someone else than the current user;
- ``workspace``: a placeholder ``workspace.host`` (the example hosts of ``init``).
"""

from __future__ import annotations

from mlops_stacks.bundle.checks.identity import check_identity
from mlops_stacks.bundle.checks.jobs import check_jobs
from mlops_stacks.bundle.checks.ml_resources import check_ml_resources
from mlops_stacks.bundle.checks.references import check_resource_references
from mlops_stacks.bundle.checks.run_as_owner import check_run_as_owner
from mlops_stacks.bundle.checks.workspace import check_workspace
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics, by_location

__all__ = ["check_bundle"]


def check_bundle(tree: Node | None) -> Diagnostics:
    """All semantic checks of a resolved bundle configuration tree."""
    diags = Diagnostics()
    if tree is None or not tree.is_map:
        return diags
    diags.extend(check_jobs(tree))
    diags.extend(check_ml_resources(tree))
    diags.extend(check_resource_references(tree))
    diags.extend(check_identity(tree))
    diags.extend(check_run_as_owner(tree))
    diags.extend(check_workspace(tree))
    diags.sort(key=by_location)
    return diags

