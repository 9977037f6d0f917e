"""``mlops-stacks update``: a 3-way merge of template versions into a project.

A real git template with tags v1, v2 and v3 is built by the test; projects are
real git repositories; the CLI runs in-process as a user would run it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_stacks.cli.update import UPDATE_AVAILABLE
from tests.scaffold.update_kit import cli, git

FILLER = "".join(f"# line {i}\n" for i in range(6))
JOB_V1 = (
    "name: {{ project_name }}_job\nparameters:\n  max_depth: 5\n"
    + FILLER.replace("#", "  #")
    + "  n_estimators: 100\n"
)
TRAIN_V1 = "EPOCHS = 10\n" + FILLER + "SEED = 1\n"



def _commit_tag(repo: Path, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", tag)
    git(repo, "tag", tag)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git template: v2 changes other lines and adds a file; v3 changes the user's line."""
    repo = tmp_path_factory.mktemp("tpl") / "template"
    (repo / "template").mkdir(parents=True)
    git(repo.parent, "init", "-q", str(repo))
    (repo / "copier.yml").write_text(
        "_subdirectory: template\nproject_name:\n  type: str\n  default: demo\n"
    )
    (repo / "template" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}\n"
    )
    (repo / "template" / "job.yml.jinja").write_text(JOB_V1)
    (repo / "template" / "train.py").write_text(TRAIN_V1)
    _commit_tag(repo, "v1")
    (repo / "template" / "job.yml.jinja").write_text(
        JOB_V1.replace("n_estimators: 100", "n_estimators: 200")
    )
    (repo / "template" / "train.py").write_text(TRAIN_V1.replace("SEED = 1", "SEED = 42"))
    (repo / "template" / "added.txt").write_text("new in v2\n")
    _commit_tag(repo, "v2")
    (repo / "template" / "job.yml.jinja").write_text(
        JOB_V1.replace("n_estimators: 100", "n_estimators: 200").replace(
            "max_depth: 5", "max_depth: 6"
        )
    )
    _commit_tag(repo, "v3")
    return repo


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """Generated from v1; the user edited a job parameter and a Python file, and committed."""
    code, _, err = cli(
        "init", "--template", str(template), "--vcs-ref", "v1", "--defaults", str(tmp_path / "demo")
    )
    assert code == 0, err
    root = tmp_path / "demo"
    job, train = root / "job.yml", root / "train.py"
    job.write_text(job.read_text().replace("max_depth: 5", "max_depth: 8"))
    train.write_text(train.read_text().replace("EPOCHS = 10", "EPOCHS = 20"))
    git(root, "commit", "-qam", "Tune the model")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_init_records_the_tag_of_a_git_template(project: Path, template: Path) -> None:
    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: v1\n" in answers
    assert f"_src_path: {template}" in answers


def test_update_keeps_user_edits_and_applies_template_changes(project: Path) -> None:
    code, out, err = cli("update", "--vcs-ref", "v2", str(project))
    assert code == 0, out + err
    job, train = (project / "job.yml").read_text(), (project / "train.py").read_text()
    assert "max_depth: 8" in job and "n_estimators: 200" in job  # user's and template's
    assert "EPOCHS = 20" in train and "SEED = 42" in train
    assert (project / "added.txt").read_text() == "new in v2\n"
    assert "_commit: v2" in (project / ".copier-answers.yml").read_text()
    assert "<<<<<<<" not in job + train


@pytest.mark.parametrize("mode", ["inline", "rej"])
def test_a_conflict_is_reported_and_the_user_value_kept(project: Path, mode: str) -> None:
    assert cli("update", "--vcs-ref", "v2", str(project))[0] == 0
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Update to v2")
    code, out, err = cli("update", "--conflict", mode, "-o", "json", str(project))
    assert code == 1, out + err
    report = json.loads(out)
    assert report["conflicts"] == ["job.yml"]
    assert report["to_version"] == "v3"
    job = (project / "job.yml").read_text()
    if mode == "inline":  # both sides, between markers
        assert "<<<<<<<" in job and "max_depth: 8" in job and "max_depth: 6" in job
    else:  # the template's side in the file, the user's change in job.yml.rej
        assert "<<<<<<<" not in job and "max_depth: 6" in job
        assert "+  max_depth: 8" in (project / "job.yml.rej").read_text()


def test_pretend_leaves_every_file_byte_identical(project: Path) -> None:
    before = snapshot(project)
    code, out, err = cli("update", "--pretend", "-o", "json", str(project))
    assert code == 1, out + err  # v3 would conflict
    report = json.loads(out)
    assert report["pretend"] is True
    assert {"job.yml", "train.py", "added.txt"} <= set(report["changed"])
    assert snapshot(project) == before


def test_a_dirty_tree_is_refused(project: Path) -> None:
    (project / "train.py").write_text("EPOCHS = 99\n")
    before = snapshot(project)
    code, _, err = cli("update", str(project))
    assert code == 1
    assert "uncommitted changes" in err and "git stash" in err
    assert snapshot(project) == before


def test_check_says_whether_a_newer_tag_exists(project: Path) -> None:
    code, out, _ = cli("update", "--check", "-o", "json", str(project))
    assert code == UPDATE_AVAILABLE
    assert json.loads(out) | {"project_dir": None} == {
        "project_dir": None,
        "source": json.loads(out)["source"],
        "current": "v1",
        "latest": "v3",
        "update_available": True,
    }
    assert cli("update", str(project))[0] == 1  # to v3: the max_depth conflict
    git(project, "reset", "--hard", "-q")
    git(project, "clean", "-fdq")
    assert cli("update", "--vcs-ref", "v2", str(project))[0] == 0
    git(project, "add", "-A")
    git(project, "commit", "-qm", "v2")
    code, out, _ = cli("update", "--check", str(project))
    assert code == UPDATE_AVAILABLE and "v2 -> v3" in out + _


def test_migrations_run_between_versions_only_with_trust(tmp_path: Path) -> None:
    repo = tmp_path / "migrating"
    (repo / "template").mkdir(parents=True)
    git(tmp_path, "init", "-q", str(repo))
    config = "_subdirectory: template\nname:\n  type: str\n  default: demo\n"
    (repo / "copier.yml").write_text(config)
    (repo / "template" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}\n"
    )
    (repo / "template" / "old_name.txt").write_text("data\n")
    _commit_tag(repo, "v1")
    (repo / "copier.yml").write_text(
        config
        + "_migrations:\n  - version: v2\n    before:\n      - mv old_name.txt new_name.txt\n"
    )
    (repo / "template" / "old_name.txt").rename(repo / "template" / "new_name.txt")
    _commit_tag(repo, "v2")
    project = tmp_path / "p"
    assert cli("init", "--template", str(repo), "--vcs-ref", "v1", "--defaults",
               str(project))[0] == 0

    code, _, err = cli("update", str(project))
    assert code == 1 and "--trust" in err
    assert (project / "old_name.txt").exists() and not git(project, "status", "--porcelain")

    code, out, err = cli("update", "--trust", str(project))
    assert code == 0, out + err
    assert (project / "new_name.txt").read_text() == "data\n"
    assert not (project / "old_name.txt").exists()


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("gh:acme/template", "https://github.com/acme/template.git"),
        ("gl:acme/template.git", "https://gitlab.com/acme/template.git"),
        ("git+https://git.example.com/t.git", "https://git.example.com/t.git"),
        ("git@github.com:acme/t.git", "git@github.com:acme/t.git"),
    ],
)
def test_update_check_lists_the_tags_of_copiers_short_forms(source: str, url: str) -> None:
    from mlops_stacks.scaffold.update import _git_url

    assert _git_url(source) == url


def test_update_check_of_a_folder_without_git_has_no_versions(tmp_path: Path) -> None:
    from mlops_stacks.scaffold.update import _git_url

    assert _git_url(str(tmp_path)) is None
    (tmp_path / ".git").mkdir()
    assert _git_url(str(tmp_path)) == str(tmp_path)
