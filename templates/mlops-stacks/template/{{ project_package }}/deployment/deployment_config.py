"""How the challenger is compared with the champion.

The metric is computed for both versions on the same holdout rows;
``MIN_IMPROVEMENT`` is how much better (in the metric's units) the challenger
must be to take over. Metric names: see ``common.metrics.METRICS``.
"""

from __future__ import annotations

COMPARISON_METRIC = "root_mean_squared_error"
MIN_IMPROVEMENT = 0.0
