"""A notebook task that uses real MLflow against a sqlite store given through the env."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.conftest import Project, notebook_task


@pytest.mark.slow  # MLflow's first import and sqlite schema set-up take 10-50 s
def test_notebook_logs_to_the_mlflow_store_from_the_environment(
    project: Project, tmp_path: Path
) -> None:
    store = tmp_path / "mlflow"
    store.mkdir()
    uri = f"sqlite:///{store / 'mlflow.db'}"
    nb = project.notebook(
        "training/notebooks/Train",
        """
        import os
        import mlflow
        if "DATABRICKS_RUNTIME_VERSION" in os.environ:
            mlflow.set_registry_uri("databricks-uc")
        dbutils.widgets.text("alpha", "0.1")
        """,
        """
        mlflow.set_experiment("/Shared/runner-test")
        with mlflow.start_run() as run:
            mlflow.log_param("alpha", dbutils.widgets.get("alpha"))
            mlflow.log_metric("rmse", 0.25)
        dbutils.jobs.taskValues.set("mlflow_run_id", run.info.run_id)
        """,
    )
    job = {
        "parameters": [{"name": "alpha", "default": "0.5"}],
        "tasks": [notebook_task("Train", nb)],
    }
    record = project.run(
        job,
        env={
            "MLFLOW_TRACKING_URI": uri,
            "MLFLOW_REGISTRY_URI": uri,
        },
        params={"alpha": "0.75"},
    )
    assert record.state == "SUCCESS", "\n".join(record.tasks["Train"].log_tail)

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(record.tasks["Train"].values["mlflow_run_id"])
    assert run.data.params == {"alpha": "0.75"}
    assert run.data.metrics == {"rmse": 0.25}
    assert client.get_experiment(run.info.experiment_id).name == "/Shared/runner-test"
