"""Hostile answers and templates for ``init``: refused with one clear line, nothing written.

Every answer the built-in template writes lands in YAML, shell commands inside
CI files, Python literals or Markdown. Answers that could break out of their
place (a ``: `` or a line break in YAML, quotes in a shell command) are refused;
answers that are allowed round-trip exactly. Canary files around the output
folder prove nothing outside it is written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from tests.reliability.conftest import Canaries


def init(*args: str) -> tuple[int, str]:
    terminal.reset()
    terminal.DEBUG = False
    result = CliRunner().invoke(app, ["init", *args])
    terminal.reset()
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "home" / "work" / "out"


@pytest.fixture
def canaries(tmp_path: Path, out: Path) -> Canaries:
    return Canaries(tmp_path, out)


def _yaml_documents(root: Path) -> dict[str, object]:
    return {
        str(p.relative_to(root)): yaml.safe_load(p.read_text())
        for p in root.rglob("*.yml")
        if ".git" not in p.parts
    }


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value} | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("read_user_group=a: b", "read_user_group: 'a: b' is not a group name"),
        ("read_user_group=ops\nevil_key: 1", "contains a line break"),
        ("read_user_group=x # comment", "is not a group name"),
        ('default_branch=main"; touch /tmp/pwned; echo "', "is not a valid git branch name"),
        ('default_branch=main"$(touch_pwned)"', "contains '\"', '$', '(', ')'"),
        ("release_branch=rel{x}", "contains"),
        ("staging_catalog=a: b", "is not a valid Unity Catalog name"),
        ("prod_catalog=prod\n  injected: true", "contains a line break"),
        # `: ` makes the workflow YAML invalid; ` #` cuts the install line at the comment.
        ("mlops_stacks_requirement=mlops-stacks: 1", "is not a pip requirement"),
        ("mlops_stacks_requirement=mlops-stacks>=0.2 #,<0.3", "is not a pip requirement"),
    ],
)
def test_answers_that_would_break_a_file_are_refused(
    answer: str, expected: str, out: Path, canaries: Canaries
) -> None:
    code, text = init("--defaults", "--data", "project_name=demo", "--data", answer, str(out))
    assert code == 1, text
    assert expected in text
    assert not out.exists()
    canaries.assert_untouched()


def test_a_line_break_from_a_config_file_is_refused(
    tmp_path: Path, out: Path, canaries: Canaries
) -> None:
    config = tmp_path / "answers.yml"
    config.write_text('project_name: demo\nread_user_group: "ops\\nevil_key: 1"\n')
    canaries.before = canaries.snapshot()
    code, text = init("--defaults", "--config-file", str(config), str(out))
    assert code == 1
    assert "read_user_group" in text and "line break" in text
    assert not out.exists()
    canaries.assert_untouched()


def test_allowed_answers_round_trip_exactly_in_every_yaml_file(out: Path) -> None:
    code, text = init(
        "--defaults",
        "--data", "project_name=demo",
        "--data", "read_user_group=true",  # would be a boolean unquoted
        "--data", "staging_catalog=123",  # would be a number unquoted
        "--data", "prod_catalog=null",
        "--data", "default_branch=release/2.0",
        "--data", "cicd_platform=azure_devops",
        str(out),
    )
    assert code == 0, text
    docs = _yaml_documents(out)
    bundle = docs["demo/databricks.yml"]
    assert bundle["variables"]["read_user_group"]["default"] == "true"
    assert bundle["variables"]["catalog_name"]["default"] == "123"
    assert bundle["targets"]["prod"]["variables"]["catalog_name"] == "null"
    pipeline = docs[".azure/devops-pipelines/demo-bundle-cicd.yml"]
    assert pipeline["trigger"]["branches"]["include"][0] == "release/2.0"
    assert "evil_key" not in set().union(*(_keys(d) for d in docs.values()))


def test_group_with_spaces_is_written_as_one_value(out: Path) -> None:
    code, text = init(
        "--defaults", "--data", "project_name=demo", "--data", "read_user_group=data scientists",
        str(out),
    )
    assert code == 0, text
    bundle = yaml.safe_load((out / "demo/databricks.yml").read_text())
    assert bundle["variables"]["read_user_group"]["default"] == "data scientists"


@pytest.mark.timeout(60)
def test_config_file_is_read_with_a_size_cap(out: Path, canaries: Canaries) -> None:
    code, text = init("--defaults", "--config-file", "/dev/zero", str(out))
    assert code == 1
    assert "larger than 1 MiB" in text
    assert not out.exists()
    canaries.assert_untouched()


def _symlink_template(root: Path, preserve: bool, target: str) -> Path:
    tpl = root / "tpl"
    (tpl / "template").mkdir(parents=True)
    settings = "_preserve_symlinks: true\n" if preserve else ""
    (tpl / "copier.yml").write_text(
        f"_subdirectory: template\n{settings}project_name:\n  type: str\n  default: demo\n"
    )
    (tpl / "template" / "README.md").write_text("hello\n")
    os.symlink(target, tpl / "template" / "leak.txt")
    return tpl


def test_a_template_keeping_symlinks_needs_trust(
    tmp_path: Path, out: Path, canaries: Canaries
) -> None:
    tpl = _symlink_template(tmp_path / "templates", True, str(tmp_path / "canary.txt"))
    canaries.before = canaries.snapshot()
    code, text = init("--defaults", "--template", str(tpl), "--no-git", str(out))
    assert code == 1
    assert "_preserve_symlinks (writes symbolic links" in text and "--trust" in text
    assert not out.exists()
    canaries.assert_untouched()

    code, text = init("--defaults", "--template", str(tpl), "--no-git", "--trust", str(out))
    assert code == 0, text
    assert os.readlink(out / "leak.txt") == str(tmp_path / "canary.txt")
    after = canaries.snapshot()
    after.pop("home/work/out/")  # the project itself
    assert after == canaries.before


def test_a_template_link_leaving_the_template_is_refused(
    tmp_path: Path, out: Path, canaries: Canaries
) -> None:
    tpl = _symlink_template(tmp_path / "templates", False, str(tmp_path / "canary.txt"))
    canaries.before = canaries.snapshot()
    code, text = init("--defaults", "--template", str(tpl), "--no-git", str(out))
    assert code == 1, text
    assert not out.exists()
    canaries.assert_untouched()


def _alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes of YAML whose aliases stand for 9**levels strings."""
    values = ['&a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    values += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "project_name: [" + ", ".join(values) + "]\n"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_alias_bomb(), "its YAML aliases expand to more than 100000 values"),
        ("project_name: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("project_name: [a, b]\n", "project_name: ['a', 'b'] is a list, not a string"),
    ],
)
def test_an_answers_file_that_would_exhaust_memory_is_refused(
    tmp_path: Path, out: Path, canaries: Canaries, text: str, expected: str
) -> None:
    config = tmp_path / "answers.yml"
    config.write_text(text)
    canaries.before = canaries.snapshot()
    code, output = init("--defaults", "--config-file", str(config), str(out))
    assert code == 1
    assert expected in output and "Traceback" not in output
    assert len(output) < 2000
    assert not out.exists()
    canaries.assert_untouched()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("staging_workspace_host", "https://a.cloud.databricks.com"),
        ("read_user_group", "users"),
        ("staging_catalog", "staging"),
        ("schema_name", "ml"),
        ("mlops_stacks_requirement", "mlops-stacks>=0.2"),
    ],
)
def test_the_template_validators_refuse_a_trailing_line_break(key: str, value: str) -> None:
    # Python's `$` matches before a final line break; an answers file can carry one past
    # the checks of `init` (update reads it), so the template's validators must refuse it.
    from mlops_stacks.scaffold.questionnaire import Questionnaire, _validated
    from mlops_stacks.scaffold.releases import builtin_template

    questionnaire = Questionnaire.read(builtin_template())
    question = questionnaire.question(key, {"project_name": "demo"})
    assert _validated(question, value) == value
    with pytest.raises(Exception, match="is not|has no|refused"):
        _validated(question, value + "\n")


def test_update_refuses_a_line_break_put_into_the_answers_file(out: Path) -> None:
    from tests.scaffold.update_kit import cli, git

    code, text = init("--defaults", "--data", "project_name=demo", str(out))
    assert code == 0, text
    answers = next(out.rglob(".copier-answers.yml"))
    answers.write_text(answers.read_text().replace("staging_catalog: staging",
                                                   'staging_catalog: "staging\\n"'))
    git(out, "commit", "-qam", "edited answers")
    code, stdout, stderr = cli("update", str(answers.parent))
    assert code == 1, stdout + stderr
    assert "staging_catalog" in stderr and "line break" in stderr
    assert str(answers) in stderr
