"""mlops-stacks: generate, validate, deploy and run MLOps projects.

The command-line interface (``mlops-stacks``) is a thin layer over this
library. The public API is what ``__all__`` lists; everything else may change
between releases. A typical script::

    from mlops_stacks import deploy_bundle, load_bundle, open_workspace

    bundle, diagnostics = load_bundle("demo/demo", target="local")
    if bundle is not None:
        result = deploy_bundle(bundle, open_workspace(bundle))

Heavy parts (copier, MLflow, the Databricks SDK) load only when first used, so
importing the package stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

from mlops_stacks.diagnostics import Diagnostic, Diagnostics, Location, Severity
from mlops_stacks.errors import MlopsStacksError, UsageError
from mlops_stacks.spark_home import point_at_client

point_at_client()  # see spark_home.py: PySpark's client would otherwise exit the process

# Public names provided by subpackages, imported on first access: name -> (module, attribute).
# (``deploy`` is also a subpackage, so its functions are exported under distinct names.)
_LAZY = {
    "InitOptions": ("mlops_stacks.scaffold", "InitOptions"),
    "InitResult": ("mlops_stacks.scaffold", "InitResult"),
    "init_project": ("mlops_stacks.scaffold", "init_project"),
    "Bundle": ("mlops_stacks.bundle", "Bundle"),
    "load_bundle": ("mlops_stacks.workspace.current_user", "load_bundle"),
    "find_bundle_root": ("mlops_stacks.bundle", "find_bundle_root"),
    "Workspace": ("mlops_stacks.workspace", "Workspace"),
    "open_workspace": ("mlops_stacks.workspace", "open_workspace"),
    "Plan": ("mlops_stacks.deploy", "Plan"),
    "preview_deploy": ("mlops_stacks.deploy", "preview"),
    "deploy_bundle": ("mlops_stacks.deploy", "deploy"),
    "destroy_bundle": ("mlops_stacks.deploy", "destroy"),
    "RunRecord": ("mlops_stacks.runner", "RunRecord"),
    "run_job": ("mlops_stacks.runner", "run_job"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'mlops_stacks' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Bundle",
    "Diagnostic",
    "Diagnostics",
    "InitOptions",
    "InitResult",
    "Location",
    "MlopsStacksError",
    "Plan",
    "RunRecord",
    "Severity",
    "UsageError",
    "Workspace",
    "__version__",
    "deploy_bundle",
    "destroy_bundle",
    "find_bundle_root",
    "init_project",
    "load_bundle",
    "open_workspace",
    "preview_deploy",
    "run_job",
]
