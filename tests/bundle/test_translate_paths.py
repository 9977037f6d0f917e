"""TranslatePaths: paths relative to the declaring file -> workspace paths; missing files."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.model import Bundle
from mlops_stacks.bundle.steps.translate_paths import TranslatePaths
from tests.bundle.bundle_testkit import plain, targeted, write_files

ROOT = """
bundle:
  name: demo
include:
  - resources/*.yml
workspace:
  file_path: /Workspace/Shared/demo/files
"""

JOB = """
resources:
  jobs:
    train:
      name: train
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
          libraries:
            - whl: ../dist/pkg-0.1-py3-none-any.whl
            - requirements: ../requirements.txt
            - pypi: {package: numpy}
        - task_key: Script
          spark_python_task:
            python_file: ../scripts/run.py
          environment_key: default
        - task_key: Loop
          for_each_task:
            inputs: "[1]"
            task:
              task_key: Inner
              notebook_task: {notebook_path: ../training/notebooks/Train}
        - task_key: Absolute
          notebook_task: {notebook_path: /Workspace/Shared/elsewhere}
      environments:
        - environment_key: default
          spec:
            client: "1"
            dependencies: [../requirements.txt, "pandas>=2", ./../dist/pkg-0.1-py3-none-any.whl]
"""

FILES = {
    "training/notebooks/Train.py": "# Databricks notebook source\n",
    "scripts/run.py": "print('hi')\n",
    "dist/pkg-0.1-py3-none-any.whl": "x",
    "requirements.txt": "pandas\n",
}


def translate(tmp_path: Path, job: str = JOB, files: dict[str, str] = FILES):
    write_files(tmp_path, files)
    ctx, diags = targeted(tmp_path, {"databricks.yml": ROOT, "resources/job.yml": job})
    diags.extend(TranslatePaths().apply(ctx))
    return ctx, diags


def test_paths_translate_to_workspace_paths(tmp_path: Path) -> None:
    ctx, diags = translate(tmp_path)
    assert not diags
    base = "/Workspace/Shared/demo/files"
    tasks = plain(ctx, "resources", "jobs", "train", "tasks")
    assert tasks[0]["notebook_task"]["notebook_path"] == f"{base}/training/notebooks/Train"
    assert tasks[0]["libraries"][:2] == [{"whl": f"{base}/dist/pkg-0.1-py3-none-any.whl"},
                                         {"requirements": f"{base}/requirements.txt"}]
    assert tasks[1]["spark_python_task"]["python_file"] == f"{base}/scripts/run.py"
    assert tasks[2]["for_each_task"]["task"]["notebook_task"]["notebook_path"] == \
        f"{base}/training/notebooks/Train"
    assert tasks[3]["notebook_task"]["notebook_path"] == "/Workspace/Shared/elsewhere"
    deps = plain(ctx, "resources", "jobs", "train", "environments", 0, "spec", "dependencies")
    assert deps == [f"{base}/requirements.txt", "pandas>=2",
                    f"{base}/dist/pkg-0.1-py3-none-any.whl"]


def test_local_path_maps_workspace_paths_back(tmp_path: Path) -> None:
    ctx, _ = translate(tmp_path)
    bundle = Bundle(root=tmp_path, target="default", tree=ctx.tree)
    nb = plain(ctx, "resources", "jobs", "train", "tasks", 0, "notebook_task", "notebook_path")
    assert bundle.local_path(nb) == tmp_path / "training/notebooks/Train.py"
    assert bundle.local_path("/Workspace/Shared/demo/files/scripts/run.py") == \
        tmp_path / "scripts/run.py"
    assert bundle.local_path("/Workspace/Shared/other") is None


def test_missing_file_is_an_error_with_a_near_miss(tmp_path: Path) -> None:
    job = JOB.replace("notebooks/Train.py", "notebooks/Trian.py", 1)
    ctx, diags = translate(tmp_path, job)
    (err,) = diags.errors
    assert err.summary == "file not found: ../training/notebooks/Trian.py"
    assert 'Did you mean "../training/notebooks/Train.py"?' in err.detail
    assert Path(err.location.file).name == "job.yml" and err.location.line == 8
    assert err.path == "resources.jobs.train.tasks[0].notebook_task.notebook_path"


def test_file_outside_the_bundle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "outside.py").write_text("x")
    root = tmp_path / "b"
    job = JOB.replace("../scripts/run.py", "../../outside.py")
    ctx, diags = translate(root, job)
    (err,) = diags.errors
    assert err.summary == "../../outside.py is outside the bundle root"


def test_git_source_jobs_are_left_alone(tmp_path: Path) -> None:
    job = JOB.replace("      name: train\n", "      name: train\n      git_source: {git_url: u, "
                      "git_provider: gitHub}\n")
    ctx, diags = translate(tmp_path, job, files={})
    assert not diags
    assert plain(ctx, "resources", "jobs", "train", "tasks", 0, "notebook_task",
                 "notebook_path") == "../training/notebooks/Train.py"


def test_pip_syntax_dependencies_and_unbuilt_artifacts(tmp_path: Path) -> None:
    job = """
    resources:
      jobs:
        train:
          environments:
            - environment_key: default
              spec:
                dependencies:
                  - -r ../requirements.txt
                  - --requirement=../requirements.txt
                  - -e ../shared
                  - mlflow>=3
                  - ../dist/*.whl
                  - ../dist/missing-0.1-py3-none-any.whl
          tasks:
            - task_key: t
              spark_python_task: {python_file: ../run.py}
              libraries:
                - whl: ../dist/*.whl
                - jar: ../target/app.jar
    """
    ctx, diags = targeted(tmp_path, {"databricks.yml": ROOT, "resources/job.yml": job,
                                     "requirements.txt": "numpy\n", "run.py": "",
                                     "shared/setup.py": ""})
    diags.extend(TranslatePaths().apply(ctx))
    assert not diags, [str(d) for d in diags]
    base = "/Workspace/Shared/demo/files"
    env = plain(ctx, "resources", "jobs", "train", "environments", 0, "spec", "dependencies")
    assert env == [f"-r {base}/requirements.txt", f"--requirement={base}/requirements.txt",
                   f"-e {base}/shared", "mlflow>=3", "../dist/*.whl",
                   "../dist/missing-0.1-py3-none-any.whl"]
    libs = plain(ctx, "resources", "jobs", "train", "tasks", 0, "libraries")
    assert libs == [{"whl": "../dist/*.whl"}, {"jar": "../target/app.jar"}]
