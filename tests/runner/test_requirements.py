"""Declared packages are checked before a run, and every missing one is named with pip."""

from __future__ import annotations

import sys

import pytest

from mlops_stacks.errors import MissingDependencyError
from mlops_stacks.runner import check_requirements
from tests.runner.conftest import Project, notebook_task


def test_missing_packages_from_requirements_txt_are_all_named(project: Project) -> None:
    (project.root / "requirements.txt").write_text(
        "# the project's packages\n"
        "mlflow>=2.0  # present\n"
        "scikit-learn\n"
        "-r extra-requirements.txt\n"
        "--extra-index-url https://example.com/simple\n"
        "-e ./local-package\n"
        "./wheels/thing-1.0-py3-none-any.whl\n"
        "no-such-package-mlops-stacks-test==1.2\n"
        'only-on-old-python-xyz; python_version < "3.0"\n'
    )
    (project.root / "extra-requirements.txt").write_text("another_missing_pkg_xyz>=0.1\npandas\n")
    nb = project.notebook("training/notebooks/Train", "print(1)")
    job = {"tasks": [notebook_task("Train", nb)]}
    with pytest.raises(MissingDependencyError) as err:
        check_requirements(job, resolve_path=project.resolve, job_key="training")
    message, hint = err.value.message, err.value.hint or ""
    assert "no-such-package-mlops-stacks-test==1.2" in message
    assert "another_missing_pkg_xyz>=0.1" in message
    assert "requirements.txt:8" in message and "extra-requirements.txt:1" in message
    for present in ("mlflow", "scikit-learn", "pandas", "only-on-old-python"):
        assert present not in message
    assert hint == (
        f"Install them with:\n  {sys.executable} -m pip install "
        "'another_missing_pkg_xyz>=0.1' no-such-package-mlops-stacks-test==1.2"
    )

    # run_job checks the same before starting any task.
    with pytest.raises(MissingDependencyError):
        project.run(job)
    assert not project.runs_dir.exists()


def test_environment_dependencies_and_libraries_are_checked(project: Project) -> None:
    (project.root / "requirements.txt").write_text("env-file-missing-pkg-xyz\n")
    project.file("jobs/main.py", "print(1)")
    job = {
        "environments": [
            {
                "environment_key": "default",
                "spec": {
                    "client": "2",
                    "dependencies": [
                        "numpy",
                        "env-missing-pkg-xyz",
                        "-r /Workspace/Users/someone@example.com/.bundle/demo/local/files/"
                        "requirements.txt",
                        "/Workspace/Users/someone@example.com/dist/pkg-0.1-py3-none-any.whl",
                    ],
                },
            },
            {"environment_key": "unused", "spec": {"dependencies": ["unused-pkg-xyz"]}},
        ],
        "tasks": [
            {
                "task_key": "Py",
                "environment_key": "default",
                "spark_python_task": {
                    "python_file": "/Workspace/Users/someone@example.com/.bundle/demo/local/"
                    "files/jobs/main.py"
                },
                "libraries": [{"pypi": {"package": "lib-missing-pkg-xyz>=1"}}],
            }
        ],
    }
    with pytest.raises(MissingDependencyError) as err:
        check_requirements(job, resolve_path=project.resolve)
    message = err.value.message
    for missing in ("env-missing-pkg-xyz", "env-file-missing-pkg-xyz", "lib-missing-pkg-xyz>=1"):
        assert missing in message
    assert "unused-pkg-xyz" not in message and "numpy" not in message


def test_installed_packages_pass_and_are_reported(project: Project) -> None:
    (project.root / "requirements.txt").write_text("mlflow\nscikit_learn\nPyYAML\n")
    nb = project.notebook("training/notebooks/Train", "print(1)")
    checked = check_requirements({"tasks": [notebook_task("T", nb)]}, resolve_path=project.resolve)
    assert [c.name for c in checked] == ["mlflow", "scikit_learn", "PyYAML"]


def test_only_selected_tasks_are_checked(project: Project) -> None:
    (project.root / "a").mkdir()
    (project.root / "a" / "requirements.txt").write_text("missing-for-a-xyz\n")
    a = project.notebook("a/notebooks/A", "print(1)")
    b = project.notebook("b/notebooks/B", "print(1)")
    job = {"tasks": [notebook_task("A", a), notebook_task("B", b)]}
    with pytest.raises(MissingDependencyError, match="missing-for-a-xyz"):
        check_requirements(job, resolve_path=project.resolve)
    assert check_requirements(job, resolve_path=project.resolve, tasks=["B"]) == []
