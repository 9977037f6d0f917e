"""The questionnaire is copier's: same walk, same answers, same refusals; our messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from copier import run_copy

from mlops_stacks.errors import AnswerError
from mlops_stacks.scaffold.answers import Given, load_answers_file, parse_data
from mlops_stacks.scaffold.questionnaire import Questionnaire, check, choice_values
from mlops_stacks.templates import builtin_template
from tests.scaffold.conftest import Init, make_template

# A computed value (slug) defined after the questions that mention it: copier
# walks in order, so `module` sees slug undefined (empty).
LATE_COMPUTED = """\
name:
  type: str
  default: My-App
module:
  type: str
  default: "{{ slug }}_module"
  when: "{{ slug != 'skip' }}"
slug:
  type: str
  default: "{{ name | lower | replace('-', '_') }}"
  when: false
flag:
  type: bool
  default: false
size:
  type: int
  default: 3
  ask: false
"""


def _template(root: Path, config: str) -> Path:
    files = {
        "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
        "out.txt.jinja": "{{ module }}|{{ slug }}|{{ size }}\n",
    }
    return make_template(root, config, files)


@pytest.mark.parametrize("data", [{}, {"name": "skip", "module": "m"}])
def test_init_walks_the_questions_as_copier_does(
    init: Init, workdir: Path, data: dict[str, str]
) -> None:
    tpl = _template(workdir, LATE_COMPUTED)
    run_copy(str(tpl), workdir / "by-copier", data=data, defaults=True, quiet=True)
    args = [f"--data={k}={v}" for k, v in data.items()]
    out = init("--template", str(tpl), "--defaults", "--no-git", *args, "by-init")
    assert out.exit_code == 0, out.stderr
    for name in ("out.txt", ".copier-answers.yml"):
        by_copier = (workdir / "by-copier" / name).read_text()
        by_init = (workdir / "by-init" / name).read_text()
        if name.endswith(".yml"):  # the source path differs
            by_copier, by_init = (
                {k: v for k, v in yaml.safe_load(t).items() if k != "_src_path"}
                for t in (by_copier, by_init)
            )
        assert by_init == by_copier


def test_ask_false_takes_the_default_without_prompting(tmp_path: Path) -> None:
    questionnaire = Questionnaire.read(_template(tmp_path, LATE_COMPUTED))
    asked: list[str] = []
    result = questionnaire.resolve(
        {}, defaults=False, ask=lambda q, default: asked.append(q.var_name) or default
    )
    assert asked == ["name", "module", "flag"]
    assert result.answers["size"] == 3 and result.computed["slug"] == "my_app"


def test_missing_answers_follow_copier_order_and_when(tmp_path: Path) -> None:
    questionnaire = Questionnaire.read(_template(tmp_path, LATE_COMPUTED))
    result = questionnaire.resolve({"name": Given("skip")}, defaults=False)
    assert result.missing == ["module", "flag"]  # size is ask: false


def test_builtin_rules_are_copier_validators(tmp_path: Path) -> None:
    """A bare `copier copy` of the built-in template refuses what init refuses."""
    for bad in ("project_name=9lives", "staging_catalog=main.ml", "default_branch=a b"):
        key, value = bad.split("=")
        with pytest.raises(ValueError, match=f"Validation error for question '{key}'"):
            run_copy(
                str(builtin_template()),
                tmp_path / key,
                data={key: value},
                defaults=True,
                quiet=True,
                unsafe=True,
                pretend=True,
            )


def test_refusals_name_the_fix_in_the_form_of_the_source() -> None:
    questionnaire = Questionnaire.read(builtin_template())
    host = questionnaire.question("prod_workspace_host", {"setup": "project_and_cicd"})
    cases = {
        Given("http://adb-9.azuredatabricks.net/path"): "Pass --data prod_workspace_host="
        "https://adb-9.azuredatabricks.net.",
        Given("ftp://adb-9.azuredatabricks.net/x", "a.yml", 4): "a.yml:4: prod_workspace_host:"
        " 'ftp://adb-9.azuredatabricks.net/x' must use https://. Set `prod_workspace_host:"
        " https://adb-9.azuredatabricks.net` in a.yml.",
        Given("adb-9.net", "prompt"): "is not a URL: it must start with https://. Try https://"
        "adb-9.net.",
    }
    for given, text in cases.items():
        with pytest.raises(AnswerError) as info:
            check(host, given)
        assert text in info.value.message
    pasted = "https://adb-9.azuredatabricks.net/?o=1#job/2"
    assert check(host, Given(pasted)) == pasted  # the bundle gets the clean host


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("Yes", True), ("on", True), ("0", False), ("n", False)]
)
def test_booleans_from_text(raw: str, value: bool) -> None:
    questionnaire = Questionnaire.read(builtin_template())
    q = questionnaire.question("include_monitoring", {})
    assert check(q, Given(raw)) is value


def test_choices_are_copiers_and_match_regardless_of_case() -> None:
    questionnaire = Questionnaire.read(builtin_template())
    q = questionnaire.question("cicd_platform", {})
    assert choice_values(q) == ["github_actions", "azure_devops", "gitlab"]
    assert check(q, Given("GitLab")) == "gitlab"


def test_typed_values_from_files_keep_their_type(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("include_monitoring: false\nproject_name: demo\n")
    given = load_answers_file(tmp_path / "a.yml")
    assert given["include_monitoring"] == Given(False, str(tmp_path / "a.yml"), 1)
    assert given["project_name"].line == 2


def test_data_last_value_wins() -> None:
    assert parse_data(["cloud=aws", "cloud=gcp", "x= a=b "])["x"].value == " a=b "
    assert parse_data(["cloud=aws", "cloud=gcp"])["cloud"].value == "gcp"


def test_resolve_with_defaults_follows_when() -> None:
    questionnaire = Questionnaire.read(builtin_template())
    given = {"setup": Given("cicd_only"), "read_user_group": Given("team")}
    result = questionnaire.resolve(given, defaults=True)
    assert result.ignored == ["read_user_group"]
    assert "compute" not in result.answers
    assert result.answers["cicd_platform"] == "github_actions"
    assert result.answers["project_name"] == "my_mlops_project"
    assert result.computed["project_package"] == "my_mlops_project"


# Every kind of question copier knows, with its own delimiters: init must type,
# choose and default them as copier does (values below are all --data strings).
TYPED = """\
_envops:
  block_start_string: "<%"
  block_end_string: "%>"
  variable_start_string: "<<"
  variable_end_string: ">>"
_templates_suffix: .tpl
ready:
  type: bool
owner:
  type: str
replicas:
  type: int
  validator: "<% if replicas < 1 %>must be 1 or more (try 1)<% endif %>"
ratio:
  type: float
extra:
  type: json
  multiline: true
notes:
  type: yaml
  multiline: true
tier:
  default: silver
  choices: [bronze, silver, gold]
region:
  default: eu
  choices: [[Europe, eu], [America, us]]
size:
  default: m
  choices: {Small: s, Medium: m}
weight:
  type: float
  default: 0.5
  choices: [0.5, 1, 2]
retries: 3
nothing: null
"""
RESULT = "".join(
    f"{name}: << {name} | tojson >>\n"
    for name in (
        "ready owner replicas ratio extra notes tier region size weight retries nothing".split()
    )
)


@pytest.mark.parametrize(
    "data",
    [
        {"ready": "yes", "owner": "ops", "replicas": "2", "ratio": "1.5", "extra": "[1, 2]",
         "notes": "{a: b}"},
        {"ready": "0", "owner": "42", "replicas": "7", "ratio": "0", "extra": '{"k": null}',
         "notes": "- x", "tier": "gold", "region": "us", "size": "s", "weight": "2",
         "retries": "5", "nothing": "[1]"},
    ],
)
def test_every_question_type_is_typed_as_copier_types_it(
    init: Init, workdir: Path, data: dict[str, str]
) -> None:
    tpl = make_template(workdir, TYPED, {"result.txt.tpl": RESULT})
    run_copy(str(tpl), workdir / "by-copier", data=data, defaults=True, quiet=True)
    args = [f"--data={k}={v}" for k, v in data.items()]
    out = init("--template", str(tpl), "--defaults", "--no-git", *args, "by-init")
    assert out.exit_code == 0, out.stderr
    by_copier = (workdir / "by-copier" / "result.txt").read_text()
    assert (workdir / "by-init" / "result.txt").read_text() == by_copier
    assert "replicas: " in by_copier


def test_a_typed_refusal_uses_the_templates_delimiters(init: Init, workdir: Path) -> None:
    tpl = make_template(workdir, TYPED)
    out = init("--template", str(tpl), "--defaults", "--no-git", "--data", "replicas=0", "x")
    assert out.exit_code == 1
    assert "replicas: '0' must be 1 or more. Pass --data replicas=1." in out.stderr
    out = init("--template", str(tpl), "--defaults", "--no-git", "--data", "weight=3", "x")
    assert "weight: '3' is not one of 0.5, 1, 2" in out.stderr


def test_a_typed_default_for_a_string_question_is_cast_as_copier_casts_it(
    init: Init, workdir: Path
) -> None:
    config = "port:\n  type: str\n  default: 8080\n"
    tpl = make_template(workdir, config, {"port.txt.jinja": "{{ port | tojson }}\n"})
    run_copy(str(tpl), workdir / "by-copier", defaults=True, quiet=True)
    out = init("--template", str(tpl), "--defaults", "--no-git", "by-init")
    assert out.exit_code == 0, out.stderr
    assert (workdir / "by-init/port.txt").read_text() == '"8080"\n'
    assert (workdir / "by-copier/port.txt").read_text() == '"8080"\n'


MULTI = "langs:\n  type: str\n  multiselect: true\n  default: [py]\n  choices: [py, go, rs]\n"


def test_multiselect_answers_are_lists_as_in_copier(init: Init, workdir: Path) -> None:
    tpl = make_template(workdir, MULTI, {"out.txt.jinja": "{{ langs | tojson }}\n"})
    run_copy(str(tpl), workdir / "by-copier", data={"langs": "[go, rs]"}, defaults=True,
             quiet=True)
    out = init("--template", str(tpl), "--defaults", "--no-git", "--data", "langs=[go, rs]", "a")
    assert out.exit_code == 0, out.stderr
    assert (workdir / "a/out.txt").read_text() == (workdir / "by-copier/out.txt").read_text()
    bad = init("--template", str(tpl), "--defaults", "--no-git", "--data", "langs=Go", "b")
    assert ("langs: 'Go' is not a list of some of py, go, rs. Pass --data 'langs=[go]'."
            in bad.stderr)


def test_a_multiselect_prompt_takes_several_numbers(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from mlops_stacks.scaffold.prompts import Prompter

    (tmp_path / "copier.yml").write_text(MULTI)
    questionnaire = Questionnaire.read(tmp_path)
    shown = io.StringIO()
    ask = Prompter(Console(file=shown, width=200), stream=io.StringIO("4\n1, 3\n"))
    result = questionnaire.resolve({}, defaults=False, ask=ask)
    assert result.answers["langs"] == ["py", "rs"]
    assert "  2. go" in shown.getvalue()
