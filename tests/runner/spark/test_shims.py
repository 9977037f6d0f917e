"""The Databricks-idiom shims, each on its own (no Spark engine started here)."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from mlops_stacks.errors import MissingDependencyError
from mlops_stacks.runner.dbutils import DBUtils, TaskOutput
from mlops_stacks.runner.requirements import check_requirements
from mlops_stacks.runner.shims import magics, pip, spark_udf, sql_cell, unsupported
from mlops_stacks.runner.spark import catalog, datasets, inputs, paths, remote_setting


def test_cd_magic_follows_the_notebook_path_chain_and_imports_follow_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = tmp_path / "project" / "training" / "Train.py"
    notebook.parent.mkdir(parents=True)
    (tmp_path / "project" / "helpers_for_cd_test.py").write_text("VALUE = 42\n")
    source = (
        "import os\n"
        "notebook_path = '/Workspace/' + os.path.dirname(dbutils.notebook.entry_point"
        ".getDbutils().notebook().getContext().notebookPath().get())\n"
        "%cd $notebook_path\n"
        "    %cd ..\n"
        "from helpers_for_cd_test import VALUE\n"
    )
    code = magics.python_source(source)
    assert code.count("\n") == source.count("\n")  # line numbers kept
    dbutils = DBUtils({}, {}, TaskOutput(None))
    dbutils.notebook.path = str(notebook.with_suffix(""))
    env: dict[str, Any] = {"dbutils": dbutils}
    magics.bind(env, notebook)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(code.replace("    %", "%").replace("    __", "__"), "Train.py", "exec"), env)
    assert env["VALUE"] == 42
    assert Path.cwd() == (tmp_path / "project").resolve()
    assert env["notebook_path"] == "/Workspace/" + str(notebook.parent)


def test_autoreload_cells_are_accepted_and_unknown_magics_name_the_line(
    tmp_path: Path,
) -> None:
    magics.run_cell("%load_ext autoreload\n%autoreload 2", {}, "Train.py:3")
    with pytest.raises(magics.MagicError, match="Train.py:7: %timeit cannot run locally"):
        magics.run_line("timeit", "x()", {}, "Train.py:7")
    with pytest.raises(magics.MagicError, match="no such folder"):
        magics.run_line("cd", "$missing_dir_var", {}, "Train.py:9")
    assert magics.python_source("x = '%d' % 3\n") == "x = '%d' % 3\n"


def test_pip_magic_requirements_are_checked_before_the_run(tmp_path: Path) -> None:
    notebook = tmp_path / "nb" / "Train.py"
    notebook.parent.mkdir()
    (tmp_path / "requirements.txt").write_text("pyyaml\nno-such-package-mlops-xyz\n")
    notebook.write_text(
        "# Databricks notebook source\n# MAGIC %pip install -r ../requirements.txt\n"
        "# COMMAND ----------\n%pip install --quiet another-missing-pkg-xyz==1.0\n"
    )
    assert pip.requirement_lines(notebook) == [
        (2, "-r ../requirements.txt"), (4, "another-missing-pkg-xyz==1.0")]
    job = {"tasks": [{"task_key": "Train", "notebook_task": {"notebook_path": "nb/Train"}}]}
    with pytest.raises(MissingDependencyError) as info:
        check_requirements(job, resolve_path=lambda p: tmp_path / p, files_root=tmp_path)
    text = str(info.value)
    assert "no-such-package-mlops-xyz" in text and "requirements.txt:2" in text
    assert "another-missing-pkg-xyz==1.0" in text and "Train.py:4 (%pip)" in text


def test_registry_uris_of_databricks_map_to_the_local_store(tmp_path: Path) -> None:
    """In a fresh interpreter, as in a task: MLflow imported after the hooks."""
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code = (
        "from mlops_stacks.runner.shims import mlflow_hooks\n"
        "mlflow_hooks.install()\n"
        "import mlflow\n"
        "mlflow.set_registry_uri('databricks-uc')\n"
        "print(mlflow.get_registry_uri())\n"
        "client = mlflow.MlflowClient(registry_uri='databricks-uc')\n"
        "print(client._registry_uri)\n"
        "mlflow.set_registry_uri('sqlite:////elsewhere.db')\n"
        "print(mlflow.get_registry_uri())\n"
    )
    env = {**os.environ, "MLFLOW_REGISTRY_URI": store, "MLFLOW_TRACKING_URI": store}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == [store, store, "sqlite:////elsewhere.db"]


def test_spark_udf_environment_managers_run_in_the_task_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[tuple[Any, ...]] = []
    module = types.ModuleType("pyfunc_stand_in")
    module.spark_udf = lambda *a, **k: calls.append((a, k))  # type: ignore[attr-defined]
    spark_udf.patch(module)
    module.spark_udf("spark", "models:/m@champion", result_type="double",
                     env_manager="virtualenv")
    module.spark_udf("spark", "models:/m/1", "double", "conda")
    module.spark_udf("spark", "models:/m/1")
    assert calls == [
        (("spark", "models:/m@champion"), {"result_type": "double", "env_manager": "local"}),
        (("spark", "models:/m/1", "double", "local"), {}),
        (("spark", "models:/m/1"), {}),
    ]
    assert "spark_udf(env_manager='virtualenv') runs in the task's own environment" in (
        capsys.readouterr().out)


def test_sql_cell_statements_split_outside_quotes() -> None:
    body = "CREATE SCHEMA a; -- a comment; here\nSELECT 'x;y', `c;d` FROM t;\n\n"
    assert sql_cell.statements(body) == ["CREATE SCHEMA a", "SELECT 'x;y', `c;d` FROM t"]


def test_unsupported_lines_name_what_to_do_instead() -> None:
    lines = ["# MAGIC %sql", "x = spark.table('t_drift_metrics')", "# t_profile_metrics"]
    assert [(n, w) for n, w, _ in unsupported.scan_lines(lines, spark_engine=False)] == [
        (1, "sql-cell"), (2, "lakehouse-monitoring")]
    assert [(n, w) for n, w, _ in unsupported.scan_lines(lines, spark_engine=True)] == [
        (2, "lakehouse-monitoring")]


def test_databricks_paths_map_into_the_target_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_STACKS_DBFS", str(tmp_path / "dbfs"))
    monkeypatch.setenv("MLOPS_STACKS_VOLUMES", str(tmp_path / "volumes"))
    assert paths.local_path("dbfs:/tmp/x/../y") == str(tmp_path / "dbfs/tmp/x/y")
    assert paths.local_path("/dbfs/tmp/y") == str(tmp_path / "dbfs/tmp/y")
    assert paths.local_path("/Volumes/c/s/v/f.csv") == str(tmp_path / "volumes/c/s/v/f.csv")
    assert paths.local_path("/data/other") == "/data/other"
    sample = "/databricks-datasets/nyctaxi-with-zipcodes/subsampled"
    assert paths.local_path(sample, generate=False) == str(tmp_path / "dbfs" / sample[1:])
    assert paths.map_sql("SELECT * FROM delta.`dbfs:/tmp/t` JOIN p.`/data/x`") == (
        f"SELECT * FROM delta.`{tmp_path / 'dbfs/tmp/t'}` JOIN p.`/data/x`")
    assert datasets.supported("dbfs:" + sample) and not datasets.supported(
        "/databricks-datasets/flights")


def test_table_names_and_input_tables(tmp_path: Path) -> None:
    assert catalog.split_name("Main.S.T") == ("main", "s", "t")
    assert catalog.split_name("t") == ("spark_catalog", "default", "t")
    with pytest.raises(catalog.TableNameError):
        catalog.split_name("a.b.c.d")
    files = tmp_path / "dev" / "files"  # .mlops-stacks/<target>/files
    (tmp_path / "dev/catalog/local/fare/present/_delta_log").mkdir(parents=True)
    job = {"tasks": [{"task_key": "score", "notebook_task": {"base_parameters": {
        "input_table_name": "local.fare.missing", "output_table_name": "local.fare.out",
        "table_input_table": "local.fare.present"}}}]}
    assert inputs.input_tables(job, ["score"], {}) == [
        ("score", "input_table_name", "local.fare.missing"),
        ("score", "table_input_table", "local.fare.present")]
    with pytest.raises(Exception, match="local.fare.missing") as info:
        inputs.check_input_tables(job, job_key="batch", tasks=["score"], parameters={},
                                  files_root=files)
    assert "local.fare.present" not in str(info.value)
    hint = str(info.value.hint)  # type: ignore[attr-defined]
    assert 'mlops-stacks sql -t dev "CREATE TABLE local.fare.missing AS SELECT' in hint


def test_the_target_variable_names_the_endpoint() -> None:
    config = {"variables": {"spark_remote": {"value": "sc://h:15002", "default": ""}}}
    assert remote_setting(config) == "sc://h:15002"
    assert remote_setting({}) == ""


def test_an_mlflow_2_pin_stops_a_spark_job_before_it_starts(tmp_path: Path) -> None:
    from mlops_stacks.errors import RunError
    from mlops_stacks.runner import prepare_run

    (tmp_path / "requirements.txt").write_text("mlflow>=2.9,<3\nscikit-learn\n")
    (tmp_path / "Train.py").write_text("# Databricks notebook source\ndf = spark.range(3)\n")
    (tmp_path / "Plain.py").write_text("# Databricks notebook source\nprint(1)\n")
    job = {"tasks": [{"task_key": "Train", "notebook_task": {"notebook_path": "Train"}}]}
    with pytest.raises(RunError) as info:
        prepare_run(job, job_key="train", resolve_path=lambda p: tmp_path / p,
                    files_root=tmp_path)
    text = str(info.value) + str(info.value.hint)
    assert "mlflow>=2.9,<3  (from " in text and "requirements.txt:1" in text
    assert "mlflow.validate_evaluation_results" in text and "-t staging" in text
    plain = {"tasks": [{"task_key": "P", "notebook_task": {"notebook_path": "Plain"}}]}
    prepare_run(plain, job_key="plain", resolve_path=lambda p: tmp_path / p,
                files_root=tmp_path)  # no Spark: the pin is the project's business
