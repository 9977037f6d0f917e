"""Train -> validate -> promote -> score, for real, against a throwaway MLflow store."""

from __future__ import annotations

import pandas as pd
import pytest

from common.data import LABEL, split_train_holdout
from common.features import MODEL_INPUTS, model_inputs
from training.train import Hyperparameters, parse_hyperparameters, train_and_register

MODEL = "main.tests.fare_model"
WEAK = Hyperparameters(n_estimators=5, max_depth=1)  # misses the validation thresholds
WORSE = Hyperparameters(n_estimators=30, max_depth=2)  # passes them, but loses to the default


def evaluation_frame(trips):
    _, holdout = split_train_holdout(trips)
    frame = model_inputs(holdout)
    frame[LABEL] = holdout[LABEL].to_numpy()
    return holdout, frame


@pytest.fixture(scope="module")
def champion(mlflow_store, trips):
    """Version 1: trained with the default hyperparameters, validated and promoted."""
    from deployment.deploy import promote_if_better
    from validation.validate import evaluate_version, mark_challenger

    trained = train_and_register(trips, model_name=MODEL, params=Hyperparameters())
    holdout, frame = evaluation_frame(trips)
    outcome = evaluate_version(trained.model_uri, frame, mode="enabled")
    mark_challenger(MODEL, trained.model_version)
    decision, champion_version = promote_if_better(
        MODEL, trained.model_version, holdout, model_inputs(holdout)
    )
    return trained, outcome, decision, champion_version


def test_training_logs_and_registers_a_model(champion):
    from mlflow import MlflowClient

    trained, *_ = champion
    assert trained.model_version == "1"
    assert trained.metrics["holdout_r2_score"] > 0.9
    run = MlflowClient().get_run(trained.run_id)
    assert run.data.params["n_estimators"] == "100"
    assert "holdout_root_mean_squared_error" in run.data.metrics
    model_info = MlflowClient().get_model_version(MODEL, "1")
    assert model_info.run_id == trained.run_id


def test_logged_model_has_a_signature_and_explicit_requirements(champion):
    from mlflow.models import get_model_info

    trained, *_ = champion
    info = get_model_info(trained.model_uri)
    assert [c.name for c in info.signature.inputs.inputs] == MODEL_INPUTS
    import mlflow

    requirements = mlflow.pyfunc.get_model_dependencies(trained.model_uri)
    text = open(requirements).read()
    assert "scikit-learn" in text and "cloudpickle" in text


def test_the_logged_model_scores_a_raw_trip_record(champion):
    """The model applies the feature step itself: a trip as recorded is enough to score."""
    import mlflow

    trained, *_ = champion
    model = mlflow.pyfunc.load_model(trained.model_uri)
    trip = {"pickup_datetime": "2024-01-06 18:30:00", "pickup_zip": 10016,
            "dropoff_zip": 10013, "trip_distance": 3.0, "passenger_count": 1}
    [fare] = model.predict(pd.DataFrame([trip]))
    assert 3.0 < fare < 40.0


def test_good_model_passes_validation_and_becomes_champion(champion):
    from mlflow import MlflowClient

    _, outcome, decision, champion_version = champion
    assert outcome.passed and outcome.metrics["root_mean_squared_error"] < 4.0
    assert decision.promote and champion_version == "1"
    client = MlflowClient()
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    assert str(client.get_model_version_by_alias(MODEL, "challenger").version) == "1"


def test_weak_model_fails_enabled_validation_and_is_reported_in_dry_run(champion, trips):
    from validation.validate import ValidationFailed, evaluate_version

    weak = train_and_register(trips, model_name=MODEL, params=WEAK)
    _, frame = evaluation_frame(trips)
    with pytest.raises(ValidationFailed, match="validation_config.py"):
        evaluate_version(weak.model_uri, frame, mode="enabled")
    dry = evaluate_version(weak.model_uri, frame, mode="dry_run")
    assert not dry.passed and dry.failures
    assert evaluate_version(weak.model_uri, frame, mode="disabled").passed
    with pytest.raises(ValueError, match="validation_mode"):
        evaluate_version(weak.model_uri, frame, mode="strict")


def test_worse_challenger_does_not_take_champion(champion, trips):
    from mlflow import MlflowClient

    from deployment.deploy import promote_if_better
    from validation.validate import mark_challenger

    worse = train_and_register(trips, model_name=MODEL, params=WORSE)
    holdout, _ = evaluation_frame(trips)
    mark_challenger(MODEL, worse.model_version)
    decision, champion_version = promote_if_better(
        MODEL, worse.model_version, holdout, model_inputs(holdout)
    )
    assert not decision.promote and "does not beat" in decision.reason
    assert champion_version == "1"
    assert str(MlflowClient().get_model_version_by_alias(MODEL, "champion").version) == "1"


def test_promotion_requires_the_challenger_alias(champion, trips):
    from deployment.deploy import promote_if_better

    holdout, _ = evaluation_frame(trips)
    with pytest.raises(RuntimeError, match="not the challenger"):
        promote_if_better(MODEL, "1", holdout, model_inputs(holdout))


def test_batch_inference_scores_with_the_champion(champion, trips, tmp_path):
    from batch_inference.predict import score_file

    sample = trips.head(300)
    output, version = score_file(MODEL, sample, model_inputs(sample), tmp_path / "p.csv")
    scored = pd.read_csv(output)
    assert version == "1" and len(scored) == 300
    assert {"prediction", "model_version", "scored_at", LABEL} <= set(scored.columns)
    assert (scored["model_version"] == 1).all()
    error = (scored["prediction"] - scored[LABEL]).abs().mean()
    assert error < 3.0


def test_batch_inference_explains_a_missing_champion(mlflow_store, trips, tmp_path):
    from batch_inference.predict import score_file

    with pytest.raises(RuntimeError, match="model_training_job"):
        score_file(
            "main.tests.never_trained",
            trips.head(5),
            model_inputs(trips.head(5)),
            tmp_path / "x.csv",
        )


def test_hyperparameters_parse_widget_strings():
    assert parse_hyperparameters("7", "2", "0.5") == Hyperparameters(7, 2, 0.5)
    with pytest.raises(ValueError, match="integers"):
        parse_hyperparameters("many", "2", "0.1")
    with pytest.raises(ValueError, match="positive"):
        parse_hyperparameters("0", "2", "0.1")


def test_empty_hyperparameters_keep_the_defaults_of_train_py():
    assert parse_hyperparameters("", "", "") == Hyperparameters()
    assert parse_hyperparameters("300", "", "") == Hyperparameters(n_estimators=300)
