"""Values from files and answers never become options of the programs we run.

Every subprocess call site that takes a value from a project file, an answers file or
the bundle gets a value starting with '-' here, and must treat it as a value: after
``--``, joined to its option (``--opt=value``), or refused with a clear message.
Call sites (found by grepping mlops_stacks/ for ``subprocess``, ``Popen(``, ``run(`` and
the git helpers of scaffold/gitrepo.py and scaffold/releases.py):

- update --check: ``git ls-remote`` of ``_src_path`` (answers file)   -> refused, and ``--``
- update: ``_commit`` (answers file) reaches git through copier        -> refused
- update: ``git clone`` of the repository top                          -> ``--``
- template export: ``git clone``                                       -> ``--``
- template test: ``mlops-stacks run <job>`` (job key from the bundle)  -> ``--``
- template checks: actionlint / check-jsonschema on rendered files     -> ``--``
- serve: the scoring worker's ``--model-uri`` (model from the project)  -> ``--opt=value``
- open: ``mlflow ui --backend-store-uri`` (paths of the project)       -> ``--opt=value``

Not arguments but programs by design: artifact build commands and ``%sh`` cells run
the project's own shell text; the task runner and forkserver get paths we create.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.opener import ui_arguments
from mlops_stacks.scaffold.checks import actionlint_problems, schema_problems
from mlops_stacks.scaffold.update import Subproject, latest_version
from mlops_stacks.serving import worker
from mlops_stacks.serving.server import worker_arguments
from tests.scaffold.update_kit import cli, git


def _project(tmp_path: Path, src_path: str, commit: str = "v1") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    git(tmp_path, "init", "-q", str(project))
    (project / ".copier-answers.yml").write_text(
        f"_commit: '{commit}'\n_src_path: '{src_path}'\nproject_name: demo\n"
    )
    git(project, "add", "-A")
    git(project, "commit", "-qm", "init")
    # A local-path origin: what made git run the smuggled option in the probe.
    git(project, "remote", "add", "origin", str(tmp_path))
    return project


@pytest.mark.parametrize("field", ["_src_path", "_commit"])
def test_update_check_refuses_answers_that_git_would_read_as_options(
    tmp_path: Path, field: str
) -> None:
    marker = tmp_path / "ran"
    evil = f"--upload-pack=touch {marker};://x"
    project = (
        _project(tmp_path, evil) if field == "_src_path"
        else _project(tmp_path, str(tmp_path), commit="--orphan=x")
    )  # fmt: skip
    code, out, err = cli("update", "--check", str(project))
    assert code == 1, out + err
    assert not marker.exists()
    assert field in err and "starts with '-'" in err and ".copier-answers.yml" in err
    assert "Traceback" not in out + err


def test_ls_remote_takes_the_source_as_a_repository_not_an_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Below the answers check: even a source that reached latest_version stays a value.
    # (As an option, git would list the default remote, the local-path origin, and run
    # the upload-pack command for it.)
    marker = tmp_path / "ran"
    evil = f"--upload-pack=touch {marker};://x"
    monkeypatch.chdir(_project(tmp_path, str(tmp_path)))
    sub = Subproject(Path.cwd(), Path(".copier-answers.yml"), {"_src_path": evil})
    with pytest.raises(Exception, match="cannot list the versions"):
        latest_version(sub)
    assert not marker.exists()


def test_rendered_files_named_like_options_are_checked_as_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("-bad.yml").write_text("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n")
    problems = actionlint_problems([Path("-bad.yml")])
    assert any("-bad.yml" in p and "steps" in p for p in problems), problems
    Path("-bad.yml").write_text("on: push\njobs: 5\n")
    problems = schema_problems("github", [Path("-bad.yml")])
    assert any("-bad.yml" in p for p in problems), problems
    assert not any("no such option" in p.lower() for p in problems), problems


def test_template_test_runs_a_job_whose_key_looks_like_an_option(tmp_path: Path) -> None:
    from mlops_stacks.scaffold.template_test import slow_problems

    bundle = tmp_path / "b"
    (bundle / "src").mkdir(parents=True)
    (bundle / "src" / "fail.py").write_text("raise SystemExit('the job ran')\n")
    (bundle / "databricks.yml").write_text(
        "bundle:\n  name: b\ntargets:\n  local:\n    default: true\n    workspace:\n"
        "      host: local\nresources:\n  jobs:\n    --help:\n      name: v\n      tasks:\n"
        "        - task_key: t\n          spark_python_task:\n"
        "            python_file: ./src/fail.py\n"
    )
    problems = slow_problems(bundle, "--help")
    # The job ran (and failed, as written) instead of `run` printing its help.
    assert problems and "run --help failed" in problems[0], problems


def _mlflow_params(args: list[str]) -> dict[str, object]:
    """How mlflow's own command line reads ``args`` (``mlflow ARGS``)."""
    import click
    from mlflow.cli import cli as mlflow_cli

    group_ctx = click.Context(mlflow_cli)
    command: click.Command = mlflow_cli
    ctx = group_ctx
    while isinstance(command, click.Group):
        name, *args = args
        found = command.get_command(ctx, name)
        assert found is not None, name
        command, ctx = found, click.Context(found, parent=ctx)
    return dict(command.make_context(command.name or "", args, parent=ctx,
                                     resilient_parsing=True).params)  # fmt: skip


def test_serve_and_the_mlflow_ui_pass_values_that_start_with_a_dash_as_values() -> None:
    args = worker.parser().parse_args(worker_arguments("-models:/m@c", "-h", 5001, 10))
    got = (args.model_uri, args.host, args.port, args.max_bytes)
    assert got == ("-models:/m@c", "-h", 5001, 10)
    params = _mlflow_params(ui_arguments("sqlite:///-x/mlflow.db", "-artifacts", "::1", 5002))
    assert params["backend_store_uri"] == "sqlite:///-x/mlflow.db"
    assert params["default_artifact_root"] == "-artifacts" and params["host"] == "::1"

