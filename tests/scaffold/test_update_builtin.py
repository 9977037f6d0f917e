"""The built-in template across mlops-stacks releases, updated offline.

The project is generated from the earlier release v0.1.0 (shipped in the
package's history bundle), edited and committed by the user, then updated to
the current release with git unable to use any network protocol.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_stacks import __version__
from mlops_stacks.cli.update import UPDATE_AVAILABLE
from mlops_stacks.scaffold import releases
from tests.scaffold.update_kit import cli, git


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """git may only use local files; copier's and mlops-stacks' caches start empty."""
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    monkeypatch.setenv("MLOPS_STACKS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def test_the_history_bundle_holds_earlier_releases() -> None:
    tags = releases.release_tags()
    assert tags[0] == "v0.1.0"
    assert tags[-1] == f"v{__version__}"


def test_a_project_from_an_earlier_release_updates_offline(offline: None, tmp_path: Path) -> None:
    from copier import run_copy

    root = tmp_path / "fares"
    with releases.builtin_url_mapping():
        run_copy(
            releases.BUILTIN_URL,
            str(root),
            vcs_ref="v0.1.0",
            quiet=True,
            data={"project_name": "fares"},
            defaults=True,
        )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Create fares")
    answers = (root / ".copier-answers.yml").read_text()
    assert "_commit: v0.1.0" in answers and f"_src_path: {releases.BUILTIN_URL}" in answers

    code, out, _ = cli("update", "--check", "-o", "json", str(root))
    assert code == UPDATE_AVAILABLE
    assert json.loads(out)["current"] == "v0.1.0"
    assert json.loads(out)["latest"] == f"v{__version__}"

    # The user tunes the job (a line the template leaves alone) and edits the training code.
    job = root / "fares/resources/model-workflow-resource.yml"
    assert "max_concurrent_runs: 1\n" in job.read_text()
    job.write_text(
        job.read_text().replace("max_concurrent_runs: 1\n", "max_concurrent_runs: 2\n", 1))
    train = root / "fares/training/train.py"
    train.write_text("# Tuned by the fares team.\n" + train.read_text())
    git(root, "commit", "-qam", "Tune")

    code, out, err = cli("update", str(root))
    assert code == 0, out + err
    assert "max_concurrent_runs: 2\n" in job.read_text()
    assert train.read_text().startswith("# Tuned by the fares team.\n")
    workflow = (root / ".github/workflows/fares-bundle-ci.yml").read_text()
    assert f"mlops-stacks=={__version__}" in workflow and "==0.1.0" not in workflow
    assert f"_commit: v{__version__}" in (root / ".copier-answers.yml").read_text()

    git(root, "add", "-A")
    git(root, "commit", "-qm", "Update")
    code, out, _ = cli("update", "--check", "-o", "json", str(root))
    assert code == 0 and json.loads(out)["update_available"] is False


def test_init_records_the_builtin_template_portably(offline: None, tmp_path: Path) -> None:
    code, _, err = cli("init", "--defaults", "--data", "project_name=fares", str(tmp_path / "p"))
    assert code == 0, err
    answers = (tmp_path / "p/.copier-answers.yml").read_text()
    assert answers.startswith(f"_commit: v{__version__}\n_src_path: {releases.BUILTIN_URL}\n")
    assert str(Path.home()) not in answers and "site-packages" not in answers
    code, out, _ = cli("update", "--check", "-o", "json", str(tmp_path / "p"))
    assert code == 0 and json.loads(out)["current"] == f"v{__version__}"


def test_a_project_from_0_1_0_is_told_how_to_record_its_version(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    (root / ".copier-answers.yml").write_text(
        "_src_path: /home/me/.venv/lib/python3.11/site-packages/mlops_stacks/_templates/"
        "mlops-stacks\nproject_name: old\n"
    )
    code, _, err = cli("update", str(root))
    assert code == 1
    assert f"_src_path: {releases.BUILTIN_URL}" in err and "_commit: v0.1.0" in err


def test_update_finds_the_answers_from_inside_the_bundle_folder(
    offline: None, tmp_path: Path
) -> None:
    code, _, err = cli("init", "--defaults", "--data", "project_name=fares", str(tmp_path / "p"))
    assert code == 0, err
    code, out, _ = cli("update", "--check", "-o", "json", str(tmp_path / "p" / "fares"))
    assert code == 0
    assert json.loads(out)["project_dir"] == str((tmp_path / "p").resolve())


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("cloud=azur", "cloud: 'azur' is not one of azure, aws, gcp. Did you mean 'azure'? "
         "Pass --data cloud=azure."),
        ("clod=aws", "clod: unknown question. Did you mean 'cloud'?"),
        ("default_branch=a b", "default_branch: 'a b' is not a valid git branch name"),
        ("project_package=x", "project_package: is computed by the template"),
    ],
)
def test_update_checks_data_like_init_before_changing_anything(
    offline: None, tmp_path: Path, answer: str, message: str
) -> None:
    project = tmp_path / "p"
    code, _, err = cli("init", "--defaults", "--data", "project_name=fares", str(project))
    assert code == 0, err
    before = git(project, "status", "--porcelain", "--ignored")
    code, _, err = cli("update", "--data", answer, str(project))
    assert code == 1
    assert message in err and "Traceback" not in err and "partly updated" not in err
    assert git(project, "status", "--porcelain", "--ignored") == before
