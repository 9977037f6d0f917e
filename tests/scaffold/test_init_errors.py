"""Bad answers, files and destinations: one clear line, the right exit code, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.scaffold.conftest import Init, tree

D = "--defaults"
OUT = "out/demo"

# (id, files to create first, arguments, exit code, strings the error line must contain)
CASES = [
    (
        "choice-typo",
        {},
        [D, "--data", "cloud=azur", OUT],
        1,
        [
            "cloud: 'azur' is not one of azure, aws, gcp",
            "Did you mean 'azure'?",
            "--data cloud=azure",
        ],
    ),
    (
        "choice-unknown",
        {},
        [D, "--data", "setup=everything", OUT],
        1,
        [
            "setup: 'everything' is not one of project_and_cicd, project_only, cicd_only",
            "--data setup=",
        ],
    ),
    (
        "unknown-key-close",
        {},
        [D, "--data", "clod=aws", OUT],
        1,
        ["clod: unknown question", "Did you mean 'cloud'?", "--data cloud=aws"],
    ),
    (
        "unknown-key-far",
        {},
        [D, "--data", "zzz_qqq=1", OUT],
        1,
        ["zzz_qqq: unknown question", "Known keys: project_name, setup, cloud"],
    ),
    (
        "computed-key",
        {},
        [D, "--data", "project_package=abc", OUT],
        1,
        ["project_package: is computed by the template", "Remove project_package"],
    ),
    (
        "bool-maybe",
        {},
        [D, "--data", "include_monitoring=maybe", OUT],
        1,
        # No guess at the meaning: "true" would be a suggestion the user did not imply.
        ["include_monitoring: 'maybe' is not a boolean (use true or false). Pass --data "
         "include_monitoring=VALUE with an allowed value."],
    ),
    (
        "name-too-short",
        {},
        [D, "--data", "project_name=ab", OUT],
        1,
        ["project_name: 'ab' is too short", "--data project_name="],
    ),
    (
        "name-starts-with-digit",
        {},
        [D, "--data", "project_name=9lives", OUT],
        1,
        ["project_name: '9lives' must start with a letter", "--data project_name=lives"],
    ),
    (
        "name-bad-chars",
        {},
        [D, "--data", "project_name=my.project", OUT],
        1,
        ["project_name: 'my.project' contains '.'", "--data project_name=my_project"],
    ),
    (
        "host-http",
        {},
        [D, "--data", "staging_workspace_host=http://adb-1.azuredatabricks.net/x", OUT],
        1,
        [
            "staging_workspace_host: 'http://adb-1.azuredatabricks.net/x' must use https://",
            "--data staging_workspace_host=https://adb-1.azuredatabricks.net",
        ],
    ),
    (
        "host-no-scheme",
        {},
        [D, "--data", "prod_workspace_host=prod.cloud.databricks.com", OUT],
        1,
        ["prod_workspace_host: 'prod.cloud.databricks.com' is not a URL", "=https://prod.cloud"],
    ),
    (
        "branch-with-space",
        {},
        [D, "--data", "default_branch=my branch", OUT],
        1,
        ["default_branch: 'my branch' is not a valid git branch name", "default_branch=my-branch"],
    ),
    (
        "catalog-with-dot",
        {},
        [D, "--data", "staging_catalog=main.ml", OUT],
        1,
        ["staging_catalog: 'main.ml' is not a valid Unity Catalog name", "staging_catalog=main_ml"],
    ),
    (
        "data-without-equals",
        {},
        [D, "--data", "project_name", OUT],
        1,
        ["--data expects KEY=VALUE, got 'project_name'", "--data project_name=my_project"],
    ),
    (
        "yaml-syntax",
        {"answers.yml": "project_name: demo\ncloud: [aws\n"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        ["answers.yml:3:", "invalid YAML", "Fix the file"],
    ),
    (
        "yaml-not-mapping",
        {"answers.yml": "- project_name\n- demo\n"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        ["answers.yml: expected a mapping", "got a list"],
    ),
    (
        "yaml-bad-value-has-line",
        {"answers.yml": "project_name: demo\n\ncloud: azur\n"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        ["answers.yml:3: cloud: 'azur' is not one of", "Set `cloud: azure` in answers.yml"],
    ),
    (
        "yaml-non-string",
        {"answers.yml": "project_name: 12345\n"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        # "12345" quoted would still not start with a letter: no suggestion that fails again.
        ["answers.yml:1: project_name: 12345 is a number, not a string",
         "Set an allowed value for `project_name` in answers.yml."],
    ),
    (
        "yaml-bool-wrong",
        {"answers.yml": "include_monitoring: sometimes\n"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        ["answers.yml:1: include_monitoring: 'sometimes' is not a boolean"],
    ),
    (
        "yaml-duplicate-key",
        {"answers.yml": "cloud: aws\nproject_name: demo\ncloud: gcp\n"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        ["answers.yml:3: cloud is given twice (first on line 1)"],
    ),
    (
        "json-syntax",
        {"answers.json": '{"project_name": "demo",}'},
        [D, "--config-file", "answers.json", OUT],
        1,
        ["answers.json:1:", "invalid JSON", "Fix the file"],
    ),
    (
        "config-missing",
        {},
        [D, "--config-file", "nowhere.yml", OUT],
        1,
        ["--config-file: cannot read nowhere.yml: no such file"],
    ),
    (
        "release-is-default-branch",
        {},
        [D, "--data", "release_branch=main", OUT],
        1,
        ["release_branch: 'main' is also the default branch", "deploy to staging and to prod",
         "--data release_branch=release"],
    ),
    (
        "default-branch-is-release",
        {},
        [D, "--data", "default_branch=release", OUT],
        1,
        ["release_branch: 'release' is also the default branch", "release_branch=release-prod"],
    ),
    (
        "config-is-directory",
        {"answers/keep": ""},
        [D, "--config-file", "answers", OUT],
        1,
        ["--config-file: cannot read answers: it is a directory"],
    ),
    (
        "config-binary",
        {"answers.yml": b"\xff\xfe\x00\x01binary"},
        [D, "--config-file", "answers.yml", OUT],
        1,
        ["cannot read answers.yml: it is not UTF-8 text"],
    ),
    (
        "template-missing",
        {},
        [D, "--template", "no/such/template", OUT],
        1,
        ["--template: 'no/such/template' does not exist"],
    ),
    (
        "template-not-copier",
        {"tpl/README.md": "not a template"},
        [D, "--template", "tpl", OUT],
        1,
        ["--template: 'tpl' is not a copier template (no copier.yml in it)"],
    ),
    (
        "output-is-file",
        {"out/demo": "a file"},
        [D, OUT],
        1,
        ["OUTPUT_DIR out/demo: is a file, not a folder"],
    ),
    (
        "output-not-empty",
        {"out/demo/notes.txt": "mine"},
        [D, OUT],
        1,
        ["OUTPUT_DIR out/demo: is not empty", "new or empty folder"],
    ),
]


def _make(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.mark.parametrize(
    ("files", "args", "code", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_clear_line_and_writes_nothing(
    init: Init, workdir: Path, files: dict, args: list[str], code: int, expected: list[str]
) -> None:
    _make(workdir, files)
    before = tree(workdir)

    result = init(*args)

    assert result.exit_code == code, result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.error_lines) == 1, result.stderr
    line = result.error_lines[0]
    assert line.startswith("Error: ")
    for text in expected:
        assert text in line, f"{text!r} not in {line!r}"
    assert tree(workdir) == before  # no output folder, no temporary folder left


def test_missing_answers_without_terminal_lists_all_of_them(init: Init, workdir: Path) -> None:
    result = init("--data", "project_name=demo", "--data", "cloud=aws", OUT)

    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1
    line = result.error_lines[0]
    missing = line.split("Missing answers for: ")[1].split(" (")[0].split(", ")
    # Every question that applies with the defaults, except the two given.
    assert missing[:3] == ["setup", "cicd_platform", "staging_workspace_host"]
    assert "project_name" not in missing and "cloud" not in missing
    assert {"include_monitoring", "compute", "release_branch"} <= set(missing)
    assert "--data KEY=VALUE" in line and "--defaults" in line
    assert tree(workdir) == []


def test_missing_answers_follow_when(init: Init, workdir: Path) -> None:
    """With setup=cicd_only, the project questions do not apply and are not reported."""
    result = init("--data", "project_name=demo", "--data", "setup=cicd_only", OUT)

    assert result.exit_code == 2
    line = result.error_lines[0]
    assert "cicd_platform" in line
    assert "read_user_group" not in line and "include_monitoring" not in line


def test_render_failure_leaves_nothing_behind(init: Init, workdir: Path) -> None:
    """A template that breaks while rendering: no output folder, no new parents, no temp dirs."""
    tpl = workdir / "tpl"
    (tpl / "template").mkdir(parents=True)
    (tpl / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n  default: abc\n")
    (tpl / "template" / "ok.txt.jinja").write_text("{{ name }}\n")
    (tpl / "template" / "broken.txt.jinja").write_text("{{ name | no_such_filter }}\n")
    before = tree(workdir)

    result = init("--defaults", "--template", str(tpl), "deep/er/out")

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "rendering the template failed" in result.stderr
    assert tree(workdir) == before
    assert not any(name.startswith(".") for name in os.listdir(workdir))


def test_files_put_in_the_output_folder_while_prompting_are_never_touched(
    tmp_path: Path,
) -> None:
    from mlops_stacks.errors import MlopsStacksError
    from mlops_stacks.scaffold import InitOptions, generate, prepare

    out = tmp_path / "out"
    out.mkdir()
    plan = prepare(InitOptions(output_dir=out, defaults=True, git=False))
    (out / "notes.txt").write_text("mine")  # e.g. while the questions were asked
    with pytest.raises(MlopsStacksError, match="is no longer empty"):
        generate(plan)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "mine"


def test_bare_copier_refuses_a_release_branch_equal_to_the_default_branch(
    tmp_path: Path,
) -> None:
    from tests.conftest import render_template

    with pytest.raises(ValueError, match="release_branch.*is also the default branch"):
        render_template(tmp_path / "out", default_branch="trunk", release_branch="trunk")
    assert not (tmp_path / "out" / ".github").exists()
