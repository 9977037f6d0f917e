"""Score trips with ``models:/<name>@champion`` and write predictions as CSV.

The output keeps the input columns (labels included when present, which is
what monitoring compares against) and adds ``prediction``, ``model_version``
and ``scored_at`` (UTC, ISO 8601).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from common.paths import bundle_path, ensure_parent

CHAMPION_ALIAS = "champion"


def champion_version(model_name: str) -> str:
    """The version the `champion` alias points at, with a hint when there is none."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return str(MlflowClient().get_model_version_by_alias(model_name, CHAMPION_ALIAS).version)
    except MlflowException as exc:
        raise RuntimeError(
            f"{model_name} has no '{CHAMPION_ALIAS}' version yet; run the training job "
            "(model_training_job) first"
        ) from exc


def add_predictions(
    trips: pd.DataFrame, predictions, *, model_version: str, scored_at: datetime | None = None
) -> pd.DataFrame:
    """Return ``trips`` with prediction, model_version and scored_at columns."""
    out = trips.copy()
    out["prediction"] = pd.Series(list(predictions), index=out.index, dtype="float64").round(4)
    out["model_version"] = str(model_version)
    moment = scored_at or datetime.now(timezone.utc)
    out["scored_at"] = moment.isoformat(timespec="seconds")
    return out


def score_file(
    model_name: str,
    trips: pd.DataFrame,
    features: pd.DataFrame,
    output_path: str | Path,
) -> tuple[Path, str]:
    """Predict ``features`` with the champion; write ``trips`` + predictions to ``output_path``."""
    import mlflow

    version = champion_version(model_name)
    model = mlflow.pyfunc.load_model(f"models:/{model_name}@{CHAMPION_ALIAS}")
    scored = add_predictions(trips, model.predict(features), model_version=version)
    target = ensure_parent(bundle_path(output_path))
    scored.to_csv(target, index=False)
    return target, version
