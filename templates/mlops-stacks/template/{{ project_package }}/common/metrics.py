"""Regression metrics by name, in plain numpy, used for promotion and monitoring."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def _rmse(truth: Sequence[float], predicted: Sequence[float]) -> float:
    diff = np.asarray(truth, dtype=float) - np.asarray(predicted, dtype=float)
    return float(np.sqrt(np.mean(diff**2)))


def _mae(truth: Sequence[float], predicted: Sequence[float]) -> float:
    diff = np.asarray(truth, dtype=float) - np.asarray(predicted, dtype=float)
    return float(np.mean(np.abs(diff)))


def _r2(truth: Sequence[float], predicted: Sequence[float]) -> float:
    truth_arr = np.asarray(truth, dtype=float)
    residual = np.sum((truth_arr - np.asarray(predicted, dtype=float)) ** 2)
    total = np.sum((truth_arr - truth_arr.mean()) ** 2)
    return float(1.0 - residual / total) if total else 0.0


# name -> (function(truth, predicted), greater_is_better); names match mlflow.models.evaluate.
METRICS: dict[str, tuple[Callable[[Sequence[float], Sequence[float]], float], bool]] = {
    "root_mean_squared_error": (_rmse, False),
    "mean_absolute_error": (_mae, False),
    "r2_score": (_r2, True),
}


def check_metric(metric: str) -> str:
    """Return ``metric`` if known, else raise naming the known ones."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    return metric


def score(metric: str, truth: Sequence[float], predicted: Sequence[float]) -> float:
    """Compute ``metric`` (a key of ``METRICS``)."""
    return METRICS[check_metric(metric)][0](truth, predicted)


def greater_is_better(metric: str) -> bool:
    """Whether a higher value of ``metric`` is better."""
    return METRICS[check_metric(metric)][1]
