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
            # One line: the run shows it as the reason the task failed (details in the log).
            print(f"Validation of {model_uri} failed:\n{exc}")
            raise ValidationFailed(
                f"validation rejected {model_uri}: {missed_thresholds(metrics, config)} "
                "(thresholds: validation/validation_config.py; validation_mode=dry_run "
                "reports without rejecting)"
            ) from exc
        return outcome
    return ValidationOutcome(mode=mode, passed=True, metrics=metrics)


def missed_thresholds(metrics: dict[str, float], config: dict[str, tuple[float, bool]]) -> str:
    """``r2_score 0.42 < 0.8, ...``: the thresholds a version missed, in one line."""
    missed = []
    for name, (threshold, greater_is_better) in config.items():
        value = metrics.get(name)
        if value is None:
            continue
        if greater_is_better and value < threshold:
            missed.append(f"{name} {value:.4g} < {threshold:g}")
        elif not greater_is_better and value > threshold:
            missed.append(f"{name} {value:.4g} > {threshold:g}")
    return ", ".join(missed) or "a threshold was missed"


def mark_challenger(model_name: str, model_version: str) -> None:
    """Point the `challenger` alias at ``model_version``."""
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(model_name, CHALLENGER_ALIAS, str(model_version))
