"""Limits the scored data must stay within; a violation triggers retraining.

Each entry maps a metric (see ``common.metrics.METRICS``) to
(threshold, greater_is_better). The monitoring job's `metric_thresholds`
parameter can override them for one run, e.g. "r2_score>=0.95".
"""

from __future__ import annotations

METRIC_THRESHOLDS: dict[str, tuple[float, bool]] = {
    "root_mean_squared_error": (4.0, False),
    "mean_absolute_error": (3.0, False),
    "r2_score": (0.8, True),
}

# Fewer labelled rows than this and monitoring reports nothing is known yet.
MIN_LABELLED_ROWS = 50
