"""mlops-stacks: generate, validate, deploy and run MLOps projects.

The command-line interface (``mlops-stacks``) is a thin layer over this
library. The public API is small and listed in ``__all__``; everything else is
internal and may change between releases.
"""

from __future__ import annotations

__version__ = "0.1.0"

from mlops_stacks.diagnostics import Diagnostic, Diagnostics, Location, Severity
from mlops_stacks.errors import MlopsStacksError, UsageError

__all__ = [
    "Diagnostic",
    "Diagnostics",
    "Location",
    "MlopsStacksError",
    "Severity",
    "UsageError",
    "__version__",
]
