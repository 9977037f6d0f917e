"""The promotion decision as a pure function (no MLflow), so it is easy to test and change."""

from __future__ import annotations

from dataclasses import dataclass

from common.metrics import greater_is_better


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str


def decide_promotion(
    challenger_score: float,
    champion_score: float | None,
    *,
    metric: str,
    min_improvement: float = 0.0,
) -> PromotionDecision:
    """Promote when there is no champion or the challenger beats it by ``min_improvement``+."""
    higher_wins = greater_is_better(metric)
    if champion_score is None:
        return PromotionDecision(True, "no champion yet")
    gain = challenger_score - champion_score if higher_wins else champion_score - challenger_score
    if gain > min_improvement:
        return PromotionDecision(
            True,
            f"challenger {metric}={challenger_score:.4f} beats champion {champion_score:.4f}",
        )
    return PromotionDecision(
        False,
        f"challenger {metric}={challenger_score:.4f} does not beat champion "
        f"{champion_score:.4f} by more than {min_improvement}",
    )
