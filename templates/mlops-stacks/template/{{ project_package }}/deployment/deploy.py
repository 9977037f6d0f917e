"""Compare the challenger with the champion on holdout data and move the `champion` alias."""

from __future__ import annotations

import pandas as pd

from common.data import LABEL
from common.metrics import score
from deployment.deployment_config import COMPARISON_METRIC, MIN_IMPROVEMENT
from deployment.promotion import PromotionDecision, decide_promotion

CHAMPION_ALIAS = "champion"
CHALLENGER_ALIAS = "challenger"


def _champion_version(client, model_name: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(model_name, CHAMPION_ALIAS).version)
    except MlflowException:
        return None


def promote_if_better(
    model_name: str,
    model_version: str,
    holdout: pd.DataFrame,
    features: pd.DataFrame,
    *,
    metric: str = COMPARISON_METRIC,
    min_improvement: float = MIN_IMPROVEMENT,
) -> tuple[PromotionDecision, str | None]:
    """Decide on ``model_version`` (which must be the challenger) and apply the decision.

    Returns the decision and the champion version afterwards.
    """
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    challenger = client.get_model_version_by_alias(model_name, CHALLENGER_ALIAS)
    if str(challenger.version) != str(model_version):
        raise RuntimeError(
            f"version {model_version} of {model_name} is not the challenger "
            f"(the challenger is version {challenger.version}); run ModelValidation first"
        )
    truth = holdout[LABEL]
    challenger_model = mlflow.pyfunc.load_model(f"models:/{model_name}/{model_version}")
    challenger_score = score(metric, truth, challenger_model.predict(features))
    champion = _champion_version(client, model_name)
    champion_score = None
    if champion is not None and champion != str(model_version):
        champion_model = mlflow.pyfunc.load_model(f"models:/{model_name}/{champion}")
        champion_score = score(metric, truth, champion_model.predict(features))
    decision = decide_promotion(
        challenger_score, champion_score, metric=metric, min_improvement=min_improvement
    )
    if champion == str(model_version):
        decision = PromotionDecision(False, f"version {model_version} is already the champion")
    if decision.promote:
        client.set_registered_model_alias(model_name, CHAMPION_ALIAS, str(model_version))
        champion = str(model_version)
    return decision, champion
