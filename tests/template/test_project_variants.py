"""How the answers shape the ML project: feature store, monitoring, compute, cloud, setup."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import render_template

NODE_TYPES = {"azure": "Standard_D3_v2", "aws": "i3.xlarge", "gcp": "n2-highmem-4"}


def jobs_of(project: Path) -> dict[str, dict]:
    jobs: dict[str, dict] = {}
    for path in sorted((project / "resources").glob("*.yml")):
        jobs.update(yaml.safe_load(path.read_text())["resources"].get("jobs", {}))
    return jobs


def notebook_tasks(job: dict) -> list[dict]:
    return [task for task in job["tasks"] if "notebook_task" in task]


@pytest.fixture(scope="module")
def feature_store_classic_aws(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fs") / "repo"
    render_template(
        out,
        project_name="Fraud-Detector",
        include_feature_store=True,
        include_monitoring=False,
        compute="classic",
        cloud="aws",
    )
    return out / "fraud_detector"


def test_feature_store_adds_the_feature_job_and_wires_the_table(feature_store_classic_aws):
    project = feature_store_classic_aws
    assert (project / "feature_engineering/zip_features.py").is_file()
    assert (project / "feature_engineering/notebooks/GenerateAndWriteFeatures.py").is_file()
    assert (project / "tests/test_feature_engineering.py").is_file()
    jobs = jobs_of(project)
    feature_job = jobs["write_feature_table_job"]
    params = {p["name"]: p["default"] for p in feature_job["parameters"]}
    table = params["feature_table_path"]
    training = {p["name"]: p["default"] for p in jobs["model_training_job"]["parameters"]}
    assert training["feature_table_path"] == table
    text = (project / "training/notebooks/Train.py").read_text()
    assert 'dbutils.widgets.text("feature_table_path"' in text
    assert "load_feature_table(" in text
    # The logged model keeps the table it was trained with (its feature step), so batch
    # inference sends raw trips and needs no table of its own.
    scoring = {p["name"] for p in jobs["batch_inference_job"]["parameters"]}
    assert "feature_table_path" not in scoring
    text = (project / "batch_inference/notebooks/BatchInference.py").read_text()
    assert "model_inputs(trips)" in text and "load_feature_table(" not in text


def test_monitoring_off_leaves_no_trace(feature_store_classic_aws):
    project = feature_store_classic_aws
    assert not (project / "monitoring").exists()
    assert not (project / "resources/monitoring-resource.yml").exists()
    assert not (project / "tests/test_monitoring.py").exists()
    assert "monitoring_job" not in jobs_of(project)
    assert "monitoring_job" not in (project / "README.md").read_text()


def test_names_follow_a_hyphenated_project_name(feature_store_classic_aws):
    project = feature_store_classic_aws
    config = yaml.safe_load((project / "databricks.yml").read_text())
    assert config["bundle"]["name"] == "Fraud-Detector"
    assert config["variables"]["model_name"]["default"] == "fraud_detector_model"
    assert config["variables"]["schema_name"]["default"] == "fraud_detector"


@pytest.mark.parametrize("cloud", sorted(NODE_TYPES))
def test_classic_compute_uses_single_node_ml_clusters_of_the_cloud(tmp_path, cloud):
    render_template(tmp_path, compute="classic", cloud=cloud, include_feature_store=True)
    jobs = jobs_of(tmp_path / "my_mlops_project")
    assert set(jobs) == {
        "model_training_job",
        "batch_inference_job",
        "monitoring_job",
        "write_feature_table_job",
    }
    for key, job in jobs.items():
        clusters = {c["job_cluster_key"]: c["new_cluster"] for c in job["job_clusters"]}
        for cluster in clusters.values():
            assert cluster["node_type_id"] == NODE_TYPES[cloud]
            assert "-ml-" in cluster["spark_version"]
            assert cluster["num_workers"] == 0
        for task in notebook_tasks(job):
            assert task["job_cluster_key"] in clusters, (key, task["task_key"])
        for task in job["tasks"]:
            if "notebook_task" not in task:
                assert "job_cluster_key" not in task


def test_serverless_compute_declares_no_clusters(tmp_path):
    render_template(tmp_path, compute="serverless", include_feature_store=True)
    project = tmp_path / "my_mlops_project"
    for job in jobs_of(project).values():
        assert "job_clusters" not in job
        for task in job["tasks"]:
            assert "job_cluster_key" not in task and "new_cluster" not in task
    # On serverless, notebooks install the project's requirements themselves.
    for notebook in project.glob("*/notebooks/*.py"):
        assert "# MAGIC %pip install -r ../../requirements.txt" in notebook.read_text()


def test_project_only_uses_the_default_hosts(tmp_path):
    render_template(tmp_path, setup="project_only", cloud="gcp")
    config = yaml.safe_load((tmp_path / "my_mlops_project/databricks.yml").read_text())
    hosts = {name: t["workspace"]["host"] for name, t in config["targets"].items()}
    assert hosts["local"] == "local"
    assert hosts["staging"] == hosts["dev"] == hosts["test"]
    assert hosts["staging"].startswith("https://") and hosts["staging"].endswith(
        "gcp.databricks.com"
    )
    assert hosts["prod"].startswith("https://") and hosts["prod"] != hosts["staging"]


def test_answers_reach_catalogs_group_and_hosts(tmp_path):
    render_template(
        tmp_path,
        staging_workspace_host="https://staging.example.cloud.databricks.com",
        prod_workspace_host="https://prod.example.cloud.databricks.com",
        read_user_group="ml-readers",
        staging_catalog="stg",
        prod_catalog="prd",
        test_catalog="tst",
        schema_name="fares",
    )
    config = yaml.safe_load((tmp_path / "my_mlops_project/databricks.yml").read_text())
    targets = config["targets"]
    assert targets["prod"]["workspace"]["host"] == "https://prod.example.cloud.databricks.com"
    assert targets["dev"]["workspace"]["host"] == "https://staging.example.cloud.databricks.com"
    assert config["variables"]["catalog_name"]["default"] == "stg"
    assert targets["prod"]["variables"]["catalog_name"] == "prd"
    assert targets["test"]["variables"]["catalog_name"] == "tst"
    assert config["variables"]["schema_name"]["default"] == "fares"
    assert config["variables"]["read_user_group"]["default"] == "ml-readers"


def test_cicd_only_renders_no_project(tmp_path):
    render_template(tmp_path, setup="cicd_only")
    assert not (tmp_path / "my_mlops_project").exists()
    assert not list(tmp_path.rglob("databricks.yml"))


def test_variants_pass_the_official_schema(feature_store_classic_aws, tmp_path):
    from tests.template.test_project_render import oracle_problems

    render_template(tmp_path, compute="serverless", cloud="gcp", include_feature_store=True)
    assert oracle_problems(feature_store_classic_aws) == []
    assert oracle_problems(tmp_path / "my_mlops_project") == []
