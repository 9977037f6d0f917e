"""The files of a project shaped like one MLOps Stacks v0.5 generates, with a `local`
target added, for the bundle tests and the deploy tests.

Written here (not copied): the root file declares the variables and five
workspace targets, includes the resource files one by one, and the resource
files keep YAML anchors in top-level keys, use ``${bundle.git.*}`` in task
parameters, a serverless environment with ``-r ../requirements.txt`` and Unity
Catalog grants.
"""

from __future__ import annotations

from pathlib import Path

from tests.bundle.bundle_testkit import write_files

ROOT = """\
bundle:
  uuid: 00000000-0000-4000-8000-000000000000
  name: fare_model

variables:
  experiment_name:
    description: Experiment name for the model training.
    default: /Users/${workspace.current_user.userName}/${bundle.target}-fare_model-experiment
  model_name:
    description: Model name for the model training.
    default: fare_model-model
  catalog_name:
    description: The catalog name to save the trained model

include:
  - ./resources/ml-artifacts-resource.yml
  - ./resources/model-workflow-resource.yml
  - ./resources/batch-inference-workflow-resource.yml

targets:
  local:
    mode: development
    default: true
    variables:
      catalog_name: local
    workspace:
      host: local
  dev:
    mode: development
    variables:
      catalog_name: dev
    workspace:
      host: https://adb-4096011111111123.11.azuredatabricks.net
  staging:
    variables:
      catalog_name: staging
    workspace:
      host: https://adb-4096022222222234.12.azuredatabricks.net
  prod:
    variables:
      catalog_name: prod
    workspace:
      host: https://adb-4096033333333345.13.azuredatabricks.net
  test:
    variables:
      catalog_name: test
    workspace:
      host: https://adb-4096022222222234.12.azuredatabricks.net
"""

ARTIFACTS = """\
common_permissions: &permissions
  permissions:
    - level: CAN_READ
      group_name: users

grants: &grants
  grants:
    - privileges:
        - EXECUTE
      principal: account users

resources:
  registered_models:
    model:
      name: ${var.model_name}
      catalog_name: ${var.catalog_name}
      schema_name: fare_model
      comment: Registered model for the ${bundle.target} target.
      <<: *grants

  experiments:
    experiment:
      name: ${var.experiment_name}
      <<: *permissions
"""

WORKFLOW = """\
new_cluster: &new_cluster
  new_cluster:
    num_workers: 3
    spark_version: 15.3.x-cpu-ml-scala2.12
    node_type_id: Standard_D3_v2
    custom_tags:
      clusterSource: mlops-stacks_0.5

common_permissions: &permissions
  permissions:
    - level: CAN_VIEW
      group_name: users

resources:
  jobs:
    model_training_job:
      name: ${bundle.target}-fare_model-model-training-job
      tasks:
        - task_key: Train
          environment_key: default
          notebook_task:
            notebook_path: ../training/Train.py
            base_parameters:
              env: ${bundle.target}
              experiment_name: ${var.experiment_name}
              model_name: ${var.catalog_name}.fare_model.${var.model_name}
              git_source_info: url:${bundle.git.origin_url}; GIT_TAIL
        - task_key: ModelValidation
          environment_key: default
          depends_on:
            - task_key: Train
          notebook_task:
            notebook_path: ../validation/ModelValidation.py
            base_parameters:
              experiment_name: ${var.experiment_name}
              run_mode: dry_run
              enable_baseline_comparison: false
              max_rows: 1000
        - task_key: ModelDeployment
          environment_key: default
          depends_on:
            - task_key: ModelValidation
          notebook_task:
            notebook_path: ../deployment/model_deployment/ModelDeployment.py
            base_parameters:
              env: ${bundle.target}
      environments:
        - environment_key: default
          spec:
            client: "1"
            dependencies:
              - -r ../requirements.txt
      schedule:
        quartz_cron_expression: "0 0 9 * * ?"
        timezone_id: UTC
      <<: *permissions
"""

BATCH = """\
common_permissions: &permissions
  permissions:
    - level: CAN_VIEW
      group_name: users

resources:
  jobs:
    batch_inference_job:
      name: ${bundle.target}-fare_model-batch-inference-job
      tasks:
        - task_key: batch_inference_job
          environment_key: default
          notebook_task:
            notebook_path: ../deployment/batch_inference/BatchInference.py
            base_parameters:
              env: ${bundle.target}
              input_table_name: ${var.catalog_name}.fare_model.feature_store_inference_input
              output_table_name: ${var.catalog_name}.fare_model.predictions
              model_name: ${var.catalog_name}.fare_model.${var.model_name}
      environments:
        - environment_key: default
          spec:
            client: "1"
            dependencies:
              - -r ../requirements.txt
      schedule:
        quartz_cron_expression: "0 0 11 * * ?"
        timezone_id: UTC
      <<: *permissions
"""

WORKFLOW = WORKFLOW.replace("GIT_TAIL", "branch:${bundle.git.branch}; commit:${bundle.git.commit}")

NOTEBOOK = "# Databricks notebook source\nprint('ok')\n"


FILES = {
    "databricks.yml": ROOT,
    "resources/ml-artifacts-resource.yml": ARTIFACTS,
    "resources/model-workflow-resource.yml": WORKFLOW,
    "resources/batch-inference-workflow-resource.yml": BATCH,
    "requirements.txt": "scikit-learn\n",
    "training/Train.py": NOTEBOOK,
    "validation/ModelValidation.py": NOTEBOOK,
    "deployment/model_deployment/ModelDeployment.py": NOTEBOOK,
    "deployment/batch_inference/BatchInference.py": NOTEBOOK,
}


def write_v05_project(root: Path, extra: dict[str, str] | None = None,
                      includes: tuple[str, ...] = ()) -> Path:
    """Write the project under ``root``; ``extra`` files are added or replace ours, and
    ``includes`` are resource files added to the root file's include list."""
    files = {**FILES, **(extra or {})}
    for rel in includes:
        files["databricks.yml"] = files["databricks.yml"].replace(
            "\ntargets:", f"  - ./{rel}\n\ntargets:", 1
        )
    return write_files(root, files)
