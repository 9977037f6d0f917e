"""Thresholds a new model version must meet to become the `challenger`.

Metric names are those ``mlflow.models.evaluate`` reports for regressors
(root_mean_squared_error, mean_absolute_error, r2_score, max_error, ...).
Each entry maps a metric to (threshold, greater_is_better).
"""

from __future__ import annotations

VALIDATION_THRESHOLDS: dict[str, tuple[float, bool]] = {
    "root_mean_squared_error": (4.0, False),
    "mean_absolute_error": (3.0, False),
    "r2_score": (0.8, True),
}

# What the job parameter `validation_mode` may be:
#   enabled  - a version that misses a threshold fails the task (it never becomes challenger)
#   dry_run  - failures are reported, the version still becomes challenger
#   disabled - no evaluation; the version becomes challenger
VALIDATION_MODES = ("enabled", "dry_run", "disabled")
