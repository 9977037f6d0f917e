"""Evaluate a registered model version with ``mlflow.models.evaluate`` and apply the thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from common.data import LABEL
from validation.validation_config import VALIDATION_MODES, VALIDATION_THRESHOLDS

CHALLENGER_ALIAS = "challenger"


class ValidationFailed(Exception):
    """The model version missed at least one threshold while validation_mode is `enabled`."""


@dataclass
class ValidationOutcome:
    mode: str
    passed: bool
    metrics: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def check_mode(mode: str) -> str:
    """Return ``mode`` normalised, or raise listing the allowed values."""
    normalised = mode.strip().lower()
    if normalised not in VALIDATION_MODES:
        raise ValueError(
            f"validation_mode must be one of {', '.join(VALIDATION_MODES)}, got {mode!r}"
        )
    return normalised


def thresholds(config: dict[str, tuple[float, bool]] = VALIDATION_THRESHOLDS) -> dict:
    """Turn the config table into MLflow ``MetricThreshold`` objects."""
    from mlflow.models import MetricThreshold

    return {
        name: MetricThreshold(threshold=value, greater_is_better=greater)
        for name, (value, greater) in config.items()
    }


def evaluate_version(
    model_uri: str,
    evaluation_data: pd.DataFrame,
    *,
    mode: str = "enabled",
    config: dict[str, tuple[float, bool]] = VALIDATION_THRESHOLDS,
) -> ValidationOutcome:
    """Evaluate ``model_uri`` on ``evaluation_data`` (features + label) in the active run.

    Raises ``ValidationFailed`` when a threshold is missed and ``mode`` is ``enabled``.
    """
    import mlflow
    from mlflow.models.evaluation.validation import ModelValidationFailedException

    mode = check_mode(mode)
    if mode == "disabled":
        return ValidationOutcome(mode=mode, passed=True)
    result = mlflow.models.evaluate(
        model_uri,
        evaluation_data,
        targets=LABEL,
        model_type="regressor",
        evaluator_config={"log_model_explainability": False},
    )
    metrics = {k: float(v) for k, v in result.metrics.items() if isinstance(v, (int, float))}
    try:
        mlflow.validate_evaluation_results(thresholds(config), result)
    except ModelValidationFailedException as exc:
        outcome = ValidationOutcome(mode, passed=False, metrics=metrics, failures=[str(exc)])
        if mode == "enabled":
            raise ValidationFailed(
                f"{model_uri} failed validation:\n{exc}\n"
                "Thresholds live in validation/validation_config.py."
            ) from exc
        return outcome
    return ValidationOutcome(mode=mode, passed=True, metrics=metrics)


def mark_challenger(model_name: str, model_version: str) -> None:
    """Point the `challenger` alias at ``model_version``."""
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(model_name, CHALLENGER_ALIAS, str(model_version))
