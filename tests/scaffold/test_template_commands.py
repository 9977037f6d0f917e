"""``template export``, ``init --template`` on the export, ``template test``, and trust rules."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app


def cli(*args: str) -> tuple[int, str, str]:
    terminal.reset()
    result = CliRunner().invoke(app, list(args))
    terminal.reset()
    return result.exit_code, result.stdout, result.stderr


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("export") / "company-template"
    code, out, err = cli("template", "export", str(dest))
    assert code == 0, out + err
    return dest


@pytest.mark.slow
def test_the_export_generates_projects_and_passes_template_test(
    exported: Path, tmp_path: Path
) -> None:
    assert not git(exported, "status", "--porcelain")
    assert git(exported, "branch", "--show-current").strip() == "main"
    code, out, err = cli("init", "--template", str(exported), "--defaults",
                         "--data", "project_name=forked", str(tmp_path / "p"))
    assert code == 0, out + err
    assert (tmp_path / "p/forked/databricks.yml").is_file()
    answers = (tmp_path / "p/.copier-answers.yml").read_text()
    assert f"_src_path: {exported}" in answers and "_commit: v" in answers

    code, out, err = cli("template", "test", str(exported), "-o", "json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] is True and len(report["combinations"]) >= 5
    assert {row["status"] for row in report["checks"]} == {"passed"}


@pytest.mark.slow
def test_template_test_fails_a_fork_broken_three_ways(exported: Path, tmp_path: Path) -> None:
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "-q", str(exported), str(fork))
    t = fork / "template"
    resource = t / "{{ project_package }}/resources/ml-artifacts-resource.yml.jinja"
    resource.write_text(resource.read_text() + "  broken: [unclosed\n")
    (t / ".github/workflows/broken.yml").write_text(
        "name: broken\non: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
    )
    train = t / "{{ project_package }}/training/train.py"
    train.write_text(train.read_text() + "LEFTOVER = '{{ not_rendered }}'\n")

    code, out, _ = cli("template", "test", str(fork), "-o", "json")
    assert code == 1
    rows = {row["check"].split(" (")[0]: row for row in json.loads(out)["checks"]}
    assert rows["YAML parses"]["status"] == "failed"
    assert any("ml-artifacts-resource.yml" in p for p in rows["YAML parses"]["problems"])
    actionlint = rows["GitHub workflows: actionlint"]
    assert actionlint["status"] == "failed"
    assert any("broken.yml" in p and "no_such_property" in p for p in actionlint["problems"])
    markers = rows["no template markers left"]
    assert markers["status"] == "failed"
    assert any("train.py" in p for p in markers["problems"])

    code, out, _ = cli("template", "test", str(fork))
    assert code == 1 and "FAILED" in out and "[000 defaults]" in out


def _task_template(root: Path) -> Path:
    tpl = root / "tasks-template"
    (tpl / "template").mkdir(parents=True)
    (tpl / "copier.yml").write_text(
        "_subdirectory: template\n_tasks:\n  - touch created-by-task\n"
        "project_name:\n  type: str\n  default: demo\n"
    )
    (tpl / "template" / "README.md").write_text("hello\n")
    return tpl


def test_a_template_with_tasks_is_refused_without_trust(tmp_path: Path) -> None:
    tpl = _task_template(tmp_path)
    code, out, err = cli("init", "--template", str(tpl), "--defaults", "--no-git",
                         str(tmp_path / "out"))
    assert code == 1
    assert "--trust" in err and "_tasks" in err
    assert not (tmp_path / "out").exists()

    code, out, err = cli("init", "--template", str(tpl), "--defaults", "--no-git", "--trust",
                         str(tmp_path / "out"))
    assert code == 0, out + err
    assert (tmp_path / "out" / "created-by-task").is_file()


def test_a_forks_validator_is_checked_before_rendering(tmp_path: Path) -> None:
    tpl = tmp_path / "validated"
    (tpl / "template").mkdir(parents=True)
    (tpl / "copier.yml").write_text(
        "_subdirectory: template\nteam:\n  type: str\n  default: ml\n  validator: >-\n"
        "    {% if team not in ['ml', 'data'] %}team must be ml or data{% endif %}\n"
    )
    (tpl / "template" / "README.md.jinja").write_text("{{ team }}\n")
    code, out, err = cli("init", "--template", str(tpl), "--defaults", "--no-git",
                         "--data", "team=sales", str(tmp_path / "out"))
    assert code == 1
    assert "team: 'sales' is refused by the template: team must be ml or data" in err
    assert "rendering the template failed" not in err
    assert not (tmp_path / "out").exists()


def _tiny_template(root: Path, test_body: str, notebook: str = "print('trained')") -> Path:
    tpl = root / "tiny-template"
    files = {
        "copier.yml": "_subdirectory: template\nproject_name:\n  type: str\n  default: tiny\n",
        "template/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
        "template/tiny/databricks.yml.jinja": (
            "bundle:\n  name: {{ project_name }}\ninclude:\n  - resources/*.yml\n"
            "targets:\n  local:\n    default: true\n    workspace:\n      host: local\n"
        ),
        "template/tiny/resources/jobs.yml": (
            "resources:\n  jobs:\n    model_training_job:\n      name: tiny-train\n"
            "      tasks:\n        - task_key: Train\n          notebook_task:\n"
            "            notebook_path: ../notebooks/Train.py\n"
        ),
        "template/tiny/notebooks/Train.py": (
            f"# Databricks notebook source\n{notebook}\n"
        ),
        "template/tiny/tests/test_tiny.py": f"def test_tiny():\n    {test_body}\n",
    }
    for rel, text in files.items():
        (tpl / rel).parent.mkdir(parents=True, exist_ok=True)
        (tpl / rel).write_text(text)
    return tpl


@pytest.mark.slow
def test_slow_runs_the_projects_tests_a_local_deploy_and_the_job(tmp_path: Path) -> None:
    good = _tiny_template(tmp_path / "good", "assert True")
    code, out, err = cli("template", "test", str(good), "--slow", "-o", "json")
    assert code == 0, out + err
    rows = {r["check"]: r for r in json.loads(out)["checks"]}
    assert rows["project tests, local deploy, run model_training_job"]["status"] == "passed"

    bad = _tiny_template(tmp_path / "bad", "assert 1 == 2", "raise SystemExit('no data')")
    code, out, _ = cli("template", "test", str(bad), "--slow", "-o", "json")
    assert code == 1
    row = {r["check"]: r for r in json.loads(out)["checks"]}[
        "project tests, local deploy, run model_training_job"
    ]
    assert row["status"] == "failed"
    assert "its tests failed" in row["problems"][0]
    assert "run model_training_job failed" in row["problems"][1]


def _foreign_template(root: Path) -> Path:
    """A template that is not a bundle: a required question, Jinja written on purpose."""
    tpl = root / "foreign"
    files = {
        "copier.yml": (
            "_subdirectory: template\nname:\n  type: str\nlicense:\n  default: mit\n"
            "  choices: [mit, apache]\n"
        ),
        "template/README.md.jinja": "{{ name }} ({{ license }})\n",
        # Jinja the project itself uses, written through the template on purpose.
        "template/docs/page.html.jinja": "{% raw %}{{ page.title }}{% endraw %}\n"
        '{{ "{{" }} version {{ "}}" }}\n',
        # GitHub files that are not workflows.
        "template/.github/FUNDING.yml": "github: [octo]\n",
        "template/.github/ISSUE_TEMPLATE/config.yml": "blank_issues_enabled: false\n",
    }
    for rel, text in files.items():
        (tpl / rel).parent.mkdir(parents=True, exist_ok=True)
        (tpl / rel).write_text(text)
    return tpl


def test_template_test_on_a_template_that_is_not_a_bundle(tmp_path: Path) -> None:
    tpl = _foreign_template(tmp_path)
    code, _, err = cli("template", "test", str(tpl))
    assert code == 2 and "Missing answers for: name (they have no default)" in err

    code, out, err = cli("template", "test", str(tpl), "--data", "name=demo", "-o", "json")
    assert code == 0, out + err
    result = json.loads(out)
    assert result["combinations"] == [{}, {"license": "apache"}]
    assert all(row["status"] in ("passed", "skipped") for row in result["checks"])

    # A file copied as it is, with a marker meant to be rendered, is still caught.
    (tpl / "template/NOTES.md").write_text("Made for {{ name }}\n")
    code, out, _ = cli("template", "test", str(tpl), "--data", "name=demo", "-o", "json")
    assert code == 1
    rows = {r["check"]: r for r in json.loads(out)["checks"]}
    assert "NOTES.md:1: template marker left" in rows["no template markers left"]["problems"][0]


def test_template_test_needs_trust_for_code_like_init(tmp_path: Path) -> None:
    tpl = _task_template(tmp_path)
    code, _, err = cli("template", "test", str(tpl))
    assert code == 1 and "needs your trust" in err and "_tasks" in err
    assert "T, e, m" not in err


def test_template_test_fails_when_a_check_is_skipped_and_reports_progress_when_piped(
        tmp_path: Path) -> None:
    """Run by a Python without actionlint/check-jsonschema beside it nor on PATH: the CI
    checks are skipped, which fails the test unless --allow-skip; piped, each step is a line."""
    import os
    import site
    import sys

    tpl = _tiny_template(tmp_path, "assert True")
    workflow = tpl / "template/.github/workflows/ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
                        "    steps:\n      - run: echo ok\n")
    base = Path(getattr(sys, "_base_executable", sys.executable))
    assert not (base.parent / "actionlint").exists()
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.pathsep.join([str(repo), *site.getsitepackages()])}

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(base), "-m", "mlops_stacks", "template", "test", str(tpl),
                               *extra], capture_output=True, text=True, env=env, timeout=600)

    skipped = run()
    assert skipped.returncode == 1, skipped.stdout + skipped.stderr
    assert any(x.split() == ["GitHub", "workflows:", "actionlint", "SKIPPED"]
               for x in skipped.stdout.splitlines()), skipped.stdout
    assert "check(s) were skipped, so the template is not fully tested" in skipped.stderr
    assert "--allow-skip" in skipped.stderr
    lines = skipped.stderr.splitlines()
    assert "template test: rendering 1 answer combinations" in lines
    assert "template test: YAML parses: checking" in lines
    assert "template test: GitHub workflows: actionlint: skipped" in lines
    allowed = run("--allow-skip")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
