"""A template's ``_external_data`` and ``secret`` questions: the same under init as copier."""

from __future__ import annotations

from pathlib import Path

import yaml
from copier import run_copy

from tests.scaffold.conftest import Init

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
