"""CI/CD credentials: the deploying service principals and the secrets the pipelines read.

``read_repository`` reads a generated repository (answers, pipeline files, bundles);
``setup`` creates or reuses one service principal per CI environment, grants it what
deploys need and stores its secrets (a dry run unless ``Options.apply``); ``check``
lists every gap between the pipelines and what exists.

Modules: ``pipelines`` (secrets each job maps), ``project`` (deployers and what each
target needs), ``principals`` (SCIM, tokens), ``access`` (folders, grants),
``credentials`` (what each variable means), ``stores`` (one module per CI platform),
``setup``, ``check``.
"""

from __future__ import annotations

from mlops_stacks.cicd.check import Gap, check
from mlops_stacks.cicd.project import Repository, read_repository
from mlops_stacks.cicd.setup import DeployerReport, Options, setup

__all__ = ["DeployerReport", "Gap", "Options", "Repository", "check", "read_repository", "setup"]
