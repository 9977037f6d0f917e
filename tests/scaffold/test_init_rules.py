"""Answer rules and the questionnaire, one function at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.errors import AnswerError
from mlops_stacks.scaffold.answers import Given, load_answers_file, parse_data
from mlops_stacks.scaffold.questions import Question, load_template_spec
from mlops_stacks.scaffold.resolve import resolve
from mlops_stacks.scaffold.rules import check_answer, check_host
from mlops_stacks.templates import builtin_template


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("https://adb-1.azuredatabricks.net", "https://adb-1.azuredatabricks.net"),
        ("https://adb-1.azuredatabricks.net/", "https://adb-1.azuredatabricks.net"),
        ("https://ADB-1.AzureDatabricks.net/?o=42#folder/3", "https://adb-1.azuredatabricks.net"),
        ("HTTPS://x.cloud.databricks.com/login.html", "https://x.cloud.databricks.com"),
        ("  https://x.gcp.databricks.com:443/a/b  ", "https://x.gcp.databricks.com:443"),
    ],
)
def test_hosts_are_normalised(raw: str, clean: str) -> None:
    q = Question("staging_workspace_host")
    assert check_answer(q, Given(raw)) == clean


@pytest.mark.parametrize(
    "raw", ["http://x.net", "ftp://x.net", "x.net", "https://", "https://bad host.net", ""]
)
def test_bad_hosts_are_refused(raw: str) -> None:
    with pytest.raises(AnswerError, match="prod_workspace_host"):
        check_answer(Question("prod_workspace_host"), Given(raw))


def test_check_host_suggests_the_https_form() -> None:
    with pytest.raises(Exception) as info:
        check_host("http://adb-9.azuredatabricks.net/path")
    assert info.value.suggestion == "https://adb-9.azuredatabricks.net"


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("Yes", True), ("on", True), ("0", False), ("n", False)]
)
def test_booleans_from_text(raw: str, value: bool) -> None:
    assert check_answer(Question("flag", type="bool"), Given(raw)) is value


def test_typed_values_from_files_keep_their_type(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("include_monitoring: false\nproject_name: demo\n")
    given = load_answers_file(tmp_path / "a.yml")
    assert given["include_monitoring"] == Given(False, str(tmp_path / "a.yml"), 1)
    assert given["project_name"].line == 2


def test_data_last_value_wins() -> None:
    assert parse_data(["cloud=aws", "cloud=gcp", "x= a=b "])["x"].value == " a=b "
    assert parse_data(["cloud=aws", "cloud=gcp"])["cloud"].value == "gcp"


def test_questionnaire_of_the_builtin_template() -> None:
    spec = load_template_spec(builtin_template())
    names = [q.name for q in spec.askable]
    assert names[:3] == ["project_name", "setup", "cloud"]
    assert {"project_package", "mlops_stacks_version"} <= {q.name for q in spec.computed}
    cicd = spec.question("cicd_platform")
    assert cicd is not None and cicd.choice_values == ["github_actions", "azure_devops", "gitlab"]
    assert cicd.applies({"setup": "cicd_only"}) and not cicd.applies({"setup": "project_only"})
    host = spec.question("staging_workspace_host")
    assert host is not None
    assert host.default_for({"cloud": "aws"}).endswith(".cloud.databricks.com")
    assert spec.computed_values({"project_name": "A-b"})["project_package"] == "a_b"


def test_resolve_with_defaults_follows_when() -> None:
    spec = load_template_spec(builtin_template())
    given = {"setup": Given("cicd_only"), "read_user_group": Given("team")}
    result = resolve(spec, given, defaults=True)
    assert result.ignored == ["read_user_group"]
    assert "compute" not in result.answers
    assert result.answers["cicd_platform"] == "github_actions"
    assert result.answers["project_name"] == "my_mlops_project"


def test_when_and_default_can_use_computed_values(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text(
        "name:\n  type: str\n  default: My-App\n"
        'module:\n  type: str\n  default: "{{ slug }}_module"\n  when: "{{ slug != \'skip\' }}"\n'
        "slug:\n  type: str\n  default: \"{{ name | lower | replace('-', '_') }}\"\n  when: false\n"
    )
    spec = load_template_spec(tmp_path)
    assert resolve(spec, {}, defaults=True).answers == {"name": "My-App", "module": "my_app_module"}
    skipped = resolve(spec, {"name": Given("skip"), "module": Given("m")}, defaults=True)
    assert skipped.answers == {"name": "skip"} and skipped.ignored == ["module"]
