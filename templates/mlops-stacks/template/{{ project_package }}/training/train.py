"""Fit, log and register the fare model.

Change the estimator in ``build_model``; hyperparameters arrive as strings from
job parameters (``n_estimators``, ``max_depth``, ``learning_rate``) and are
parsed by ``parse_hyperparameters``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor

from common.data import LABEL, split_train_holdout
from common.features import build_features

# Written into the logged model so MLflow does not spend time inferring them.
# Keep in step with requirements.txt.
MODEL_PIP_REQUIREMENTS = [
    "mlflow>=3.17",
    "scikit-learn>=1.4",
    "pandas>=2.0",
    "numpy",
    "cloudpickle",
]
# cloudpickle is what MLflow uses on Databricks; it needs no per-estimator list of
# trusted types (as "skops" does) and loads fast. Only load models from registries you trust.
SERIALIZATION_FORMAT = "cloudpickle"


@dataclass(frozen=True)
class Hyperparameters:
    n_estimators: int = 100
    max_depth: int = 3
    learning_rate: float = 0.1


@dataclass(frozen=True)
class TrainedModel:
    model_uri: str
    model_name: str
    model_version: str
    run_id: str
    metrics: dict[str, float]


def parse_hyperparameters(
    n_estimators: str | int = 100, max_depth: str | int = 3, learning_rate: str | float = 0.1
) -> Hyperparameters:
    """Build hyperparameters from widget strings, with readable errors for bad values."""
    try:
        params = Hyperparameters(int(n_estimators), int(max_depth), float(learning_rate))
    except ValueError as exc:
        raise ValueError(
            "n_estimators and max_depth must be integers and learning_rate a number "
            f"(got {n_estimators!r}, {max_depth!r}, {learning_rate!r})"
        ) from exc
    if params.n_estimators < 1 or params.max_depth < 1 or params.learning_rate <= 0:
        raise ValueError(f"hyperparameters must be positive, got {params}")
    return params


def build_model(params: Hyperparameters) -> GradientBoostingRegressor:
    """The estimator to train; swap it here to change the model."""
    return GradientBoostingRegressor(random_state=0, **asdict(params))


def fit(
    trips: pd.DataFrame, params: Hyperparameters, zip_features: pd.DataFrame | None = None
) -> tuple[GradientBoostingRegressor, pd.DataFrame, dict[str, float]]:
    """Fit on the training split; return the model, a sample of its inputs and holdout metrics."""
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    training, holdout = split_train_holdout(trips)
    x_train = build_features(training, zip_features)
    x_holdout = build_features(holdout, zip_features)
    model = build_model(params).fit(x_train, training[LABEL])
    predicted = model.predict(x_holdout)
    metrics = {
        "holdout_root_mean_squared_error": float(
            root_mean_squared_error(holdout[LABEL], predicted)
        ),
        "holdout_mean_absolute_error": float(mean_absolute_error(holdout[LABEL], predicted)),
        "holdout_r2_score": float(r2_score(holdout[LABEL], predicted)),
    }
    return model, x_train.head(5), metrics


def train_and_register(
    trips: pd.DataFrame,
    *,
    model_name: str,
    params: Hyperparameters,
    zip_features: pd.DataFrame | None = None,
    training_data_path: str = "",
) -> TrainedModel:
    """Train, log params/metrics/model to the active experiment and register a version."""
    import mlflow
    from mlflow.models import infer_signature

    model, input_example, metrics = fit(trips, params, zip_features)
    signature = infer_signature(input_example, model.predict(input_example))
    with mlflow.start_run(run_name="train") as run:
        mlflow.log_params(asdict(params))
        if training_data_path:
            mlflow.set_tag("training_data_path", training_data_path)
        mlflow.log_metrics(metrics)
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            input_example=input_example,
            pip_requirements=MODEL_PIP_REQUIREMENTS,
            serialization_format=SERIALIZATION_FORMAT,
            registered_model_name=model_name,
        )
    version = str(info.registered_model_version)
    return TrainedModel(
        model_uri=f"models:/{model_name}/{version}",
        model_name=model_name,
        model_version=version,
        run_id=run.info.run_id,
        metrics=metrics,
    )
