"""Compute metrics of scored data against labels and check them (pure pandas, no MLflow)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from common.data import LABEL
from common.metrics import METRICS, score
from monitoring.monitoring_config import METRIC_THRESHOLDS, MIN_LABELLED_ROWS

_OVERRIDE = re.compile(r"^\s*([a-z_0-9]+)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


@dataclass
class MonitoringReport:
    rows: int
    metrics: dict[str, float] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def is_metric_violated(self) -> bool:
        return bool(self.violations)


def parse_thresholds(text: str) -> dict[str, tuple[float, bool]]:
    """Parse "metric<=value,metric>=value"; empty text means the config's thresholds."""
    if not text.strip():
        return dict(METRIC_THRESHOLDS)
    parsed: dict[str, tuple[float, bool]] = {}
    for part in text.split(","):
        match = _OVERRIDE.match(part)
        if not match or match.group(1) not in METRICS:
            raise ValueError(
                f"bad threshold {part.strip()!r}: write metric<=value or metric>=value "
                f"with a metric from {', '.join(METRICS)}"
            )
        parsed[match.group(1)] = (float(match.group(3)), match.group(2) == ">=")
    return parsed


def check(
    scored: pd.DataFrame,
    thresholds: dict[str, tuple[float, bool]] | None = None,
    *,
    min_rows: int = MIN_LABELLED_ROWS,
) -> MonitoringReport:
    """Metrics of ``prediction`` against the label and the thresholds they break."""
    if "prediction" not in scored.columns or LABEL not in scored.columns:
        raise ValueError(f"scored data needs the columns 'prediction' and '{LABEL}'")
    labelled = scored.dropna(subset=[LABEL, "prediction"])
    report = MonitoringReport(rows=len(labelled))
    if len(labelled) < min_rows:
        return report
    for metric, (limit, greater_is_better) in (thresholds or METRIC_THRESHOLDS).items():
        value = score(metric, labelled[LABEL], labelled["prediction"])
        report.metrics[metric] = value
        ok = value >= limit if greater_is_better else value <= limit
        if not ok:
            sign = ">=" if greater_is_better else "<="
            report.violations.append(f"{metric}={value:.4f} breaks {metric}{sign}{limit}")
    return report
