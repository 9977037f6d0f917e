"""Fit, log and register the fare model.

Change the estimator in ``build_model`` and the hyperparameters in
``Hyperparameters``: its defaults are what every run trains with. The job
parameters ``n_estimators``, ``max_depth`` and ``learning_rate``
(``resources/model-workflow-resource.yml``) are empty, so they change nothing;
a value given there, or for one run with
``mlops-stacks run model_training_job --params n_estimators=300``, overrides the
default. The Train task prints the values it used and where each came from, and
logs them as the MLflow run's parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.pipeline import Pipeline

import common
from common.data import LABEL, split_train_holdout
from common.features import feature_step, model_inputs

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
    """The model's hyperparameters: edit the defaults here to change what runs train with."""

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
    n_estimators: str | int = "", max_depth: str | int = "", learning_rate: str | float = ""
) -> Hyperparameters:
    """Build hyperparameters from widget strings; an empty one keeps the default above."""
    given = {"n_estimators": n_estimators, "max_depth": max_depth, "learning_rate": learning_rate}
    defaults = Hyperparameters()
    values = {}
    for field in fields(Hyperparameters):
        raw = given[field.name]
        if raw is None or str(raw).strip() == "":
            values[field.name] = getattr(defaults, field.name)
            continue
        try:
            values[field.name] = type(getattr(defaults, field.name))(str(raw).strip())
        except ValueError as exc:
            raise ValueError(
                "n_estimators and max_depth must be integers and learning_rate a number "
                f"(got {n_estimators!r}, {max_depth!r}, {learning_rate!r})"
            ) from exc
    params = Hyperparameters(**values)
    if params.n_estimators < 1 or params.max_depth < 1 or params.learning_rate <= 0:
        raise ValueError(f"hyperparameters must be positive, got {params}")
    return params


def describe_hyperparameters(params: Hyperparameters, given: dict[str, str]) -> str:
    """One line naming each value and where it came from (job parameter or train.py)."""
    parts = []
    for field in fields(Hyperparameters):
        source = "job parameter" if str(given.get(field.name, "")).strip() else "train.py"
        parts.append(f"{field.name}={getattr(params, field.name)} ({source})")
    return "Hyperparameters: " + ", ".join(parts)


def build_model(params: Hyperparameters) -> GradientBoostingRegressor:
    """The estimator to train; swap it here to change the model."""
    return GradientBoostingRegressor(random_state=0, **asdict(params))


def fit(
    trips: pd.DataFrame, params: Hyperparameters, zip_features: pd.DataFrame | None = None
) -> tuple[Pipeline, pd.DataFrame, dict[str, float]]:
    """Fit on the training split; return the model, a sample of its inputs and holdout metrics.

    The model is the feature step (``common/features.py``) followed by the estimator, so it
    takes raw trips: batch inference and serving send trips, not engineered columns.
    """
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    training, holdout = split_train_holdout(trips)
    x_train = model_inputs(training)
    x_holdout = model_inputs(holdout)
    model = Pipeline([("features", feature_step(zip_features)), ("model", build_model(params))])
    model.fit(x_train, training[LABEL])
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
            # The feature step's code travels with the model, so it loads without the project.
            code_paths=[str(Path(common.__file__).parent)],
        )
    version = str(info.registered_model_version)
    return TrainedModel(
        model_uri=f"models:/{model_name}/{version}",
        model_name=model_name,
        model_version=version,
        run_id=run.info.run_id,
        metrics=metrics,
    )
