"""A CI/CD-only repository with two added projects: each updates on its own, so does the root.

The template is the built-in one exported with ``template export`` (a git
repository with every release tagged), then changed and tagged as a new
version, as a platform team would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_stacks.scaffold import releases
from tests.scaffold.update_kit import cli, git

NOTE = "# Company note added in v9.0.0\n"



def _ok(*args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, f"{args}\n{out}\n{err}"
    return out


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    tpl = tmp_path / "company-template"
    exported = json.loads(_ok("template", "export", str(tpl), "-o", "json"))
    assert exported["tag"] == releases.version_tag()
    assert releases.version_tag() in git(tpl, "tag", "--list")
    old = releases.version_tag()
    root = tmp_path / "ml-repo"
    common = ("--template", str(tpl), "--vcs-ref", old, "--defaults")
    _ok("init", *common, "--data", "setup=cicd_only", "--data", "project_name=ml-repo", str(root))
    for name in ("churn", "fraud"):
        _ok(
            "init",
            *common,
            "--data",
            "setup=project_only",
            "--data",
            f"project_name={name}",
            str(root),
        )
    assert not git(root, "status", "--porcelain")
    # The platform team changes a repository file, a per-project pipeline and project code.
    t = tpl / "template"
    for rel in (
        "docs/ci-cd.md.jinja",
        ".github/workflows/{{ project_package }}-bundle-ci.yml.jinja",
        "{{ project_package }}/training/train.py",
    ):
        (t / rel).write_text((t / rel).read_text() + NOTE)
    git(tpl, "commit", "-qam", "Company note")
    git(tpl, "tag", "v9.0.0")
    return tpl, root


def _changed(out: str) -> set[str]:
    return set(json.loads(out)["changed"])


def test_each_project_and_the_root_update_without_collisions(repo: tuple[Path, Path]) -> None:
    _, root = repo
    train = root / "churn/training/train.py"
    train.write_text("# churn team edit\n" + train.read_text())
    git(root, "commit", "-qam", "churn edit")

    for name in ("churn", "fraud"):
        code, _, _ = cli("update", "--check", str(root / name))
        assert code == 100
        changed = _changed(_ok("update", "-o", "json", str(root / name)))
        assert changed == {
            f"{name}/.copier-answers.yml",
            f"{name}/training/train.py",
            f".github/workflows/{name}-bundle-ci.yml",
        }
        assert (root / f"{name}/training/train.py").read_text().endswith(NOTE)
        assert (root / f".github/workflows/{name}-bundle-ci.yml").read_text().endswith(NOTE)
        # Its inherited CI/CD answers survive the update.
        assert "with_project_cicd: true" in (root / f"{name}/.copier-answers.yml").read_text()
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"Update {name}")
    assert train.read_text().startswith("# churn team edit\n")
    assert not (root / "docs/ci-cd.md").read_text().endswith(NOTE)  # the root's, not theirs

    changed = _changed(_ok("update", "-o", "json", str(root)))
    assert changed == {".copier-answers.yml", "docs/ci-cd.md"}
    assert (root / "docs/ci-cd.md").read_text().endswith(NOTE)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Update the repository")
    for folder in (root, root / "churn", root / "fraud"):
        assert cli("update", "--check", str(folder))[0] == 0
