"""The champion/challenger decision and the metrics it uses (pure functions)."""

from __future__ import annotations

import pytest

from common.metrics import greater_is_better, score
from deployment.promotion import decide_promotion


def test_promotes_when_there_is_no_champion():
    decision = decide_promotion(9.0, None, metric="root_mean_squared_error")
    assert decision.promote and "no champion" in decision.reason


@pytest.mark.parametrize(
    ("challenger", "champion", "metric", "promote"),
    [
        (1.5, 2.0, "root_mean_squared_error", True),
        (2.5, 2.0, "root_mean_squared_error", False),
        (2.0, 2.0, "root_mean_squared_error", False),
        (0.95, 0.90, "r2_score", True),
        (0.85, 0.90, "r2_score", False),
    ],
)
def test_lower_or_higher_is_better_per_metric(challenger, champion, metric, promote):
    assert decide_promotion(challenger, champion, metric=metric).promote is promote


def test_min_improvement_is_required():
    assert not decide_promotion(
        1.95, 2.0, metric="mean_absolute_error", min_improvement=0.1
    ).promote
    assert decide_promotion(1.85, 2.0, metric="mean_absolute_error", min_improvement=0.1).promote


def test_unknown_metric_is_rejected():
    with pytest.raises(ValueError, match="root_mean_squared_error"):
        decide_promotion(1.0, 2.0, metric="accuracy")


def test_metrics_match_hand_computed_values():
    truth, predicted = [1.0, 2.0, 3.0], [1.0, 2.0, 5.0]
    assert score("mean_absolute_error", truth, predicted) == pytest.approx(2 / 3)
    assert score("root_mean_squared_error", truth, predicted) == pytest.approx((4 / 3) ** 0.5)
    assert score("r2_score", truth, truth) == 1.0
    assert greater_is_better("r2_score") and not greater_is_better("root_mean_squared_error")
