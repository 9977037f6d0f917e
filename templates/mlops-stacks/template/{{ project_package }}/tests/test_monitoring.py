"""Monitoring checks on scored data (pure pandas)."""

from __future__ import annotations

import pandas as pd
import pytest

from common.data import LABEL
from monitoring.monitor import check, parse_thresholds
from monitoring.monitoring_config import METRIC_THRESHOLDS


def scored(errors):
    truth = [10.0 + i for i in range(len(errors))]
    predictions = [t + e for t, e in zip(truth, errors, strict=True)]
    return pd.DataFrame({LABEL: truth, "prediction": predictions})


def test_good_predictions_raise_no_violation():
    report = check(scored([0.5, -0.5] * 50))
    assert not report.is_metric_violated
    assert report.metrics["root_mean_squared_error"] == pytest.approx(0.5)


def test_bad_predictions_are_flagged():
    report = check(scored([8.0, -8.0] * 50))
    assert report.is_metric_violated
    assert any(v.startswith("root_mean_squared_error=8.0000") for v in report.violations)


def test_too_few_labelled_rows_is_no_verdict():
    report = check(scored([8.0] * 10))
    assert report.rows == 10 and not report.metrics and not report.is_metric_violated


def test_threshold_overrides_parse():
    assert parse_thresholds("") == METRIC_THRESHOLDS
    assert parse_thresholds("r2_score>=0.99, mean_absolute_error<=1") == {
        "r2_score": (0.99, True),
        "mean_absolute_error": (1.0, False),
    }
    with pytest.raises(ValueError, match="metric<=value"):
        parse_thresholds("accuracy>0.5")


def test_missing_columns_are_explained():
    with pytest.raises(ValueError, match="prediction"):
        check(pd.DataFrame({LABEL: [1.0]}))
