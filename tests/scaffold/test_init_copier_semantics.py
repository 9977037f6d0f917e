"""A template's ``_external_data`` and ``secret`` questions: the same under init as copier."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from copier import run_copy

from tests.scaffold.conftest import Init, make_template

COPIER_YML = """\
_external_data:
  shared: "{{ shared_file }}"
shared_file:
  type: str
region:
  type: str
  default: "{{ _external_data.shared.region }}"
  validator: "{% if region not in _external_data.shared.regions %}not a shared region{% endif %}"
token:
  type: str
  secret: true
  default: changeme
---
!include extra/*.yml
"""
EXTRA_YML = """\
_secret_questions: [api_key]
api_key:
  type: str
  default: "key-{{ region }}"
"""


def _template(root: Path) -> Path:
    tpl = root / "tpl"
    tpl.mkdir()
    (tpl / "copier.yml").write_text(COPIER_YML)
    (tpl / "extra").mkdir()
    (tpl / "extra" / "api.yml").write_text(EXTRA_YML)
    (tpl / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}"
    )
    (tpl / "settings.txt.jinja").write_text(
        "region={{ region }}\ntoken={{ token }}\nkey={{ api_key }}\n"
    )
    shared = root / "shared.yml"
    shared.write_text("region: eu-west\nregions: [eu-west, us-east]\n")
    return tpl


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_external_data_and_secrets_match_copier(init: Init, workdir: Path) -> None:
    tpl = _template(workdir)
    data = {"shared_file": str(workdir / "shared.yml"), "token": "hunter2"}
    run_copy(str(tpl), workdir / "by-copier", data=data, defaults=True, quiet=True, unsafe=True)
    args = [f"--data={k}={v}" for k, v in data.items()]
    out = init("--template", str(tpl), "--defaults", "--trust", "--no-git", *args, "by-init")
    assert out.exit_code == 0, out.stderr

    by_copier, by_init = _files(workdir / "by-copier"), _files(workdir / "by-init")
    # The default comes from the external file; secrets (`secret: true`, or listed in
    # an included `_secret_questions`) are used but never recorded.
    assert by_copier["settings.txt"] == "region=eu-west\ntoken=hunter2\nkey=key-eu-west\n"
    assert by_init["settings.txt"] == by_copier["settings.txt"]
    recorded = yaml.safe_load(by_init[".copier-answers.yml"])
    assert recorded["region"] == "eu-west" and not {"token", "api_key"} & set(recorded)
    assert "hunter2" not in "".join(by_init.values()).replace("token=hunter2", "")


def test_a_validator_reading_external_data_refuses_like_copier(init: Init, workdir: Path) -> None:
    tpl = _template(workdir)
    out = init(
        "--template",
        str(tpl),
        "--defaults",
        "--trust",
        "--no-git",
        f"--data=shared_file={workdir / 'shared.yml'}",
        "--data=region=mars",
        "by-init",
    )
    assert out.exit_code == 1
    assert "region: 'mars' is refused by the template: not a shared region" in out.stderr
    assert not (workdir / "by-init").exists()


def test_a_broken_copier_yml_is_one_line_naming_the_place(init: Init, workdir: Path) -> None:
    tpl = workdir / "tpl"
    tpl.mkdir()
    (tpl / "copier.yml").write_text("name: demo\nregion: [eu,\n")
    out = init("--template", str(tpl), "--defaults", "--no-git", "out")
    assert out.exit_code == 1
    assert out.error_lines[0].startswith(f"Error: --template: cannot read {tpl / 'copier.yml'}:")
    assert "line 3" in out.error_lines[0] and "INVALID CONFIG FILE" not in out.stderr
    assert not (workdir / "out").exists()


def _bare_template(
    root: Path, config: str, files: dict[str, str] | None = None, name: str = "bare"
) -> Path:
    return make_template(root, config, files, name)


def test_a_template_that_renders_nothing_gives_an_empty_project(
    init: Init, workdir: Path
) -> None:
    tpl = _bare_template(workdir, "_subdirectory: nothing\n")
    (tpl / "nothing").mkdir()
    out = init("--template", str(tpl), "--defaults", "empty")
    assert out.exit_code == 0, out.stderr
    assert [p.name for p in (workdir / "empty").iterdir()] == [".git"]


def test_a_question_without_default_is_missing_under_defaults(init: Init, workdir: Path) -> None:
    tpl = _bare_template(workdir, "url:\n  type: str\nname:\n  type: str\n  default: x\n")
    out = init("--template", str(tpl), "--defaults", "--no-git", "out")
    assert out.exit_code == 2
    assert "Missing answers for: url (they have no default)" in out.stderr
    assert "add --defaults" not in out.stderr


def test_two_config_files_are_one_clear_line(init: Init, workdir: Path) -> None:
    tpl = _bare_template(workdir, "a: 1\n", {"copier.yaml": "b: 2\n"})
    out = init("--template", str(tpl), "--defaults", "--no-git", "out")
    assert out.exit_code == 1
    assert "has both copier.yml and copier.yaml" in out.stderr and "Traceback" not in out.stderr


def test_jinja_extensions_load_only_after_trust(
    init: Init, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extension is code: refused without --trust before it is imported."""
    modules = workdir / "modules"
    modules.mkdir()
    canary = workdir / "imported.txt"
    (modules / "canary_ext.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(canary)!r}).write_text('imported')\n"
        "from jinja2.ext import Extension\n"
        "class Canary(Extension):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(modules))
    config = "_jinja_extensions: [canary_ext.Canary]\nname:\n  type: str\n  default: x\n"
    tpl = _bare_template(workdir, config, {"a.txt.jinja": "{{ name }}\n"})

    refused = init("--template", str(tpl), "--defaults", "--no-git", "out")
    assert refused.exit_code == 1 and "needs your trust" in refused.stderr
    assert not canary.exists() and not (workdir / "out").exists()

    missing = _bare_template(workdir, "_jinja_extensions: [no_such_ext.X]\n", name="missing")
    broken = init("--template", str(missing), "--defaults", "--trust", "--no-git", "out")
    assert broken.exit_code == 1 and "Traceback" not in broken.stderr
    assert "No module named 'no_such_ext'" in broken.stderr

    trusted = init("--template", str(tpl), "--defaults", "--trust", "--no-git", "out")
    assert trusted.exit_code == 0, trusted.stderr
    assert canary.read_text() == "imported" and (workdir / "out" / "a.txt").read_text() == "x\n"


def test_the_template_and_its_tasks_see_the_real_destination(init: Init, workdir: Path) -> None:
    """copier renders in place: _copier_conf.dst_path and the tasks' folder are the project."""
    config = "_tasks:\n  - pwd > task-ran-in.txt\nname:\n  type: str\n  default: x\n"
    tpl = _bare_template(workdir, config, {"where.txt.jinja": "{{ _copier_conf.dst_path }}\n"})
    run_copy(str(tpl), "by-copier", defaults=True, quiet=True, unsafe=True)
    out = init("--template", str(tpl), "--defaults", "--trust", "--no-git", "by-init")
    assert out.exit_code == 0, out.stderr
    assert (workdir / "by-copier/where.txt").read_text() == "by-copier\n"
    assert (workdir / "by-init/where.txt").read_text() == "by-init\n"
    ran_in = (workdir / "by-init/task-ran-in.txt").read_text().strip()
    assert Path(ran_in) == (workdir / "by-init").resolve()


def test_a_failing_task_leaves_nothing_behind(init: Init, workdir: Path) -> None:
    tpl = _bare_template(workdir, "_tasks:\n  - exit 3\n", {"a.txt": "a\n"})
    (workdir / "empty").mkdir()
    for dest in ("new/deeper/out", "empty"):
        out = init("--template", str(tpl), "--defaults", "--trust", dest)
        assert out.exit_code == 1 and "Traceback" not in out.stderr
    assert not (workdir / "new").exists()
    assert list((workdir / "empty").iterdir()) == []


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd, check=True, capture_output=True,
    )


def test_a_git_template_is_asked_and_rendered_at_the_same_version(
    init: Init, workdir: Path
) -> None:
    """Without --vcs-ref copier takes the newest tag: the questions come from it too."""
    tpl = _bare_template(workdir, "tier:\n  default: a\n  choices: [a, b]\n",
                         {"tier.txt.jinja": "{{ tier }}\n"})
    _git(tpl, "init", "-q")
    _git(tpl, "add", "-A")
    _git(tpl, "commit", "-qm", "v1")
    _git(tpl, "tag", "v1")
    (tpl / "copier.yml").write_text("tier:\n  default: a\n  choices: [a, c]\n")
    _git(tpl, "commit", "-qam", "after v1")

    out = init("--template", str(tpl), "--defaults", "--no-git", "--data", "tier=b", "p1")
    assert out.exit_code == 0, out.stderr
    assert (workdir / "p1/tier.txt").read_text() == "b\n"
    refused = init("--template", str(tpl), "--defaults", "--no-git", "--data", "tier=c", "p2")
    assert refused.exit_code == 1 and "tier: 'c' is not one of a, b" in refused.stderr
    head = init("--template", str(tpl), "--vcs-ref", "HEAD", "--defaults", "--no-git",
                "--data", "tier=c", "p3")
    assert head.exit_code == 0, head.stderr


def test_a_git_url_that_cannot_be_cloned_is_one_line(init: Init, workdir: Path) -> None:
    out = init("--template", f"file://{workdir}/nowhere.git", "--defaults", "--no-git", "p")
    assert out.exit_code == 1
    assert "does not exist" in out.stderr or "cannot clone" in out.stderr
    out = init("--template", "https://127.0.0.1:9/none.git", "--defaults", "--no-git", "p")
    assert out.exit_code == 1 and "Traceback" not in out.stderr
    assert out.error_lines[0].startswith("Error: --template: cannot clone https://127.0.0.1:9")
    assert not (workdir / "p").exists()
