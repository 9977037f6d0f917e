"""``update`` refuses, like ``init``, a template version that needs ``--trust``: here one
that adds ``_preserve_symlinks: true`` and links to files outside the project."""

from __future__ import annotations

import os
from pathlib import Path

from tests.scaffold.update_kit import cli, git


def _template(tmp_path: Path) -> Path:
    repo = tmp_path / "template"
    (repo / "template").mkdir(parents=True)
    git(tmp_path, "init", "-q", str(repo))
    (repo / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n  default: d\n")
    (repo / "template" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}\n"
    )
    (repo / "template" / "README.md").write_text("v1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    git(repo, "tag", "v1")
    (repo / "copier.yml").write_text(
        "_subdirectory: template\n_preserve_symlinks: true\nname:\n  type: str\n  default: d\n"
    )
    os.symlink("/etc/hostname", repo / "template" / "hostname")
    os.symlink("/root", repo / "template" / "home")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    git(repo, "tag", "v2")
    return repo


def test_update_to_a_version_that_keeps_symlinks_needs_trust(tmp_path: Path) -> None:
    template = _template(tmp_path)
    project = tmp_path / "demo"
    code, _, err = cli("init", "--template", str(template), "--vcs-ref", "v1", "--defaults",
                       str(project))  # fmt: skip
    assert code == 0, err
    code, out, err = cli("update", str(project))
    assert code == 1, out + err
    assert "needs your trust" in err and "_preserve_symlinks" in err, err
    assert not (project / "hostname").is_symlink() and not (project / "home").is_symlink()
    assert "_commit: v1" in (project / ".copier-answers.yml").read_text()
