"""``mlops-stacks init`` good paths: answers from every source, the files, git, the summary."""

from __future__ import annotations

import json
from pathlib import Path

import git
import yaml

from mlops_stacks import __version__
from tests.scaffold.conftest import Init, tree

CI_DIRS = (".github", ".azure", ".gitlab", ".gitlab-ci.yml")


def _answers(path: Path) -> dict:
    return yaml.safe_load((path / ".copier-answers.yml").read_text())


def test_defaults_make_a_committed_project(init: Init, workdir: Path) -> None:
    result = init("--defaults", "--data", "project_name=demo", "out/demo")

    assert result.exit_code == 0, result.stderr
    out = workdir / "out" / "demo"
    assert (out / "demo" / "databricks.yml").is_file()
    assert yaml.safe_load((out / "demo" / "databricks.yml").read_text())["bundle"]["name"] == "demo"
    answers = _answers(out)
    assert answers["project_name"] == "demo"
    assert answers["setup"] == "project_and_cicd"
    assert answers["cloud"] == "azure"
    assert answers["include_monitoring"] is True
    # The built-in template is named portably, with the release as its version.
    assert answers["_src_path"] == "mlops-stacks://builtin/mlops-stacks.git"
    assert answers["_commit"] == f"v{__version__}"
    # Computed values are passed to the template but never recorded.
    assert "project_package" not in answers and "mlops_stacks_version" not in answers
    assert any((out / ".github" / "workflows").glob("demo-*.yml"))

    repo = git.Repo(out)
    commits = list(repo.iter_commits())
    assert len(commits) == 1
    assert not repo.is_dirty(untracked_files=True)
    assert repo.active_branch.name == "main"  # the default_branch answer
    assert "demo/databricks.yml" in repo.git.ls_files().splitlines()
    # Nothing else appeared next to the project (no temporary folder left).
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["demo"]


def test_data_overrides_defaults(init: Init, workdir: Path) -> None:
    result = init(
        "--defaults",
        "--data",
        "project_name=fraud",
        "--data",
        "cloud=AWS",  # choices are matched without case
        "--data",
        "cicd_platform=gitlab",
        "--data",
        "include_monitoring=no",
        "out",
    )

    assert result.exit_code == 0, result.stderr
    answers = _answers(workdir / "out")
    assert answers["cloud"] == "aws"
    assert answers["cicd_platform"] == "gitlab"
    assert answers["include_monitoring"] is False
    assert answers["staging_workspace_host"].endswith(".cloud.databricks.com")  # aws default
    assert (workdir / "out" / ".gitlab-ci.yml").is_file()
    assert not (workdir / "out" / ".github").exists()
    assert not (workdir / "out" / "fraud" / "resources" / "monitoring-resource.yml").exists()


def test_config_file_yaml_and_data_wins(init: Init, workdir: Path) -> None:
    (workdir / "answers.yml").write_text(
        "# answers for the churn project\n"
        "project_name: churn\n"
        "cloud: gcp\n"
        "include_feature_store: true\n"
        "_src_path: ignored/metadata\n"
    )
    result = init("--config-file", "answers.yml", "--data", "cloud=aws", "--defaults", "repo")

    assert result.exit_code == 0, result.stderr
    answers = _answers(workdir / "repo")
    assert answers["project_name"] == "churn"
    assert answers["cloud"] == "aws"
    assert answers["include_feature_store"] is True
    assert (workdir / "repo" / "churn" / "databricks.yml").is_file()


def test_config_file_json_complete_without_defaults(init: Init, workdir: Path) -> None:
    """A config file that answers everything needs neither --defaults nor a terminal."""
    complete = {
        "project_name": "pricing",
        "setup": "project_only",
        "cloud": "azure",
        "read_user_group": "ml-team",
        "staging_catalog": "stg",
        "prod_catalog": "prd",
        "test_catalog": "tst",
        "schema_name": "pricing_models",
        "compute": "classic",
        "include_feature_store": False,
        "include_monitoring": True,
        "mlops_stacks_requirement": "",
    }
    (workdir / "answers.json").write_text(json.dumps(complete))

    result = init("--config-file", "answers.json", "--no-git", "out")

    assert result.exit_code == 0, result.stderr
    answers = _answers(workdir / "out")
    assert {k: answers[k] for k in complete} == complete


def test_answers_are_recorded_as_given_and_hosts_reach_the_bundle_clean(
    init: Init, workdir: Path
) -> None:
    """A URL copied from a browser works: the bundle gets its scheme and host (computed
    in copier.yml, so copier does the same); the answers file keeps what was given."""
    pasted = "https://ADB-123.11.azuredatabricks.net/?o=123#job/1"
    result = init(
        "--defaults",
        "--data",
        "project_name=My-Project",
        "--data",
        f"staging_workspace_host={pasted}",
        "--data",
        "prod_workspace_host=https://prod.example.com:8443/some/path/",
        "--data",
        "read_user_group=data scientists",
        "out",
    )

    assert result.exit_code == 0, result.stderr
    out = workdir / "out"
    answers = _answers(out)
    assert answers["project_name"] == "My-Project"
    assert answers["schema_name"] == "my_project"
    assert answers["staging_workspace_host"] == pasted
    assert answers["read_user_group"] == "data scientists"
    bundle = yaml.safe_load((out / "my_project" / "databricks.yml").read_text())
    hosts = {name: t["workspace"]["host"] for name, t in bundle["targets"].items()}
    assert hosts["staging"] == "https://adb-123.11.azuredatabricks.net"
    assert hosts["prod"] == "https://prod.example.com:8443"
    assert "cd out/my_project" in result.stdout


def test_a_group_with_surrounding_spaces_is_refused_with_the_clean_one(
    init: Init, workdir: Path
) -> None:
    result = init("--defaults", "--data", "read_user_group=  data-scientists  ", "out")
    assert result.exit_code == 1
    assert "--data read_user_group=data-scientists." in result.stderr
    assert not (workdir / "out").exists()


def test_no_git(init: Init, workdir: Path) -> None:
    result = init("--defaults", "--no-git", "--data", "project_name=demo", "out")

    assert result.exit_code == 0, result.stderr
    assert (workdir / "out" / "demo").is_dir()
    assert not (workdir / "out" / ".git").exists()
    assert "Committed" not in result.stdout


def test_project_only_has_no_ci_files(init: Init, workdir: Path) -> None:
    result = init(
        "--defaults", "--data", "project_name=solo", "--data", "setup=project_only", "out"
    )

    assert result.exit_code == 0, result.stderr
    out = workdir / "out"
    assert (out / "solo" / "databricks.yml").is_file()
    assert [name for name in CI_DIRS if (out / name).exists()] == []
    answers = _answers(out)
    assert "cicd_platform" not in answers and "staging_workspace_host" not in answers


def test_answers_that_do_not_apply_are_ignored_with_a_warning(init: Init, workdir: Path) -> None:
    result = init(
        "--defaults",
        "--data",
        "project_name=solo",
        "--data",
        "setup=project_only",
        "--data",
        "cicd_platform=gitlab",
        "out",
    )

    assert result.exit_code == 0, result.stderr
    assert "Warning: ignored the answer for cicd_platform" in result.stderr
    assert not (workdir / "out" / ".gitlab-ci.yml").exists()
    assert "cicd_platform" not in _answers(workdir / "out")


def test_output_dir_defaults_to_project_name_and_empty_dir_is_fine(
    init: Init, workdir: Path
) -> None:
    result = init("--defaults", "--data", "project_name=alpha", "--no-git")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "alpha" / "alpha" / "databricks.yml").is_file()

    (workdir / "empty").mkdir()
    result = init("--defaults", "--data", "project_name=beta", "--no-git", "empty")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "empty" / "beta" / "databricks.yml").is_file()


def test_summary_shows_tree_and_next_steps(init: Init, workdir: Path) -> None:
    result = init("--defaults", "--data", "project_name=demo", "out/demo")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Created demo (project_and_cicd) in out/demo."
    assert lines[1] == "out/demo/"
    assert "├── .copier-answers.yml" in lines
    assert any(line.startswith("├── demo/") and "the ML project" in line for line in lines)
    assert "│   ├── databricks.yml" in lines
    assert "│   ├── resources/" in lines
    steps = lines[lines.index("Next steps:") + 1 :]
    steps = steps[: steps.index("")]  # notes follow (tests/scaffold/test_install_requirement.py)
    assert [s.strip() for s in steps] == [
        "cd out/demo/demo",
        "mlops-stacks validate",
        "mlops-stacks deploy",
        "mlops-stacks run model_training_job",
    ]


def test_json_output(init: Init, workdir: Path) -> None:
    result = init("--defaults", "--data", "project_name=demo", "--output", "json", "out")

    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["output_dir"] == "out"
    assert summary["project_dir"] == "out/demo"
    assert summary["answers"]["project_name"] == "demo"
    assert "demo/databricks.yml" in summary["files"]
    assert summary["commit"] == git.Repo(workdir / "out").head.commit.hexsha
    assert summary["next_steps"][0] == "cd out/demo"


def test_commit_without_git_identity(init: Init, workdir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "",
        "GIT_AUTHOR_EMAIL": "",
        "GIT_COMMITTER_NAME": "",
        "GIT_COMMITTER_EMAIL": "",
        "EMAIL": "",
    }
    result = init("--defaults", "--data", "project_name=demo", "out", env=env)

    assert result.exit_code == 0, result.stderr
    commit = git.Repo(workdir / "out").head.commit
    assert (commit.author.name, commit.author.email) == ("mlops-stacks", "mlops-stacks@localhost")


def test_cicd_only_then_projects_added(init: Init, workdir: Path) -> None:
    """A CI/CD-only repository, then two projects added into it, side by side."""
    result = init(
        "--defaults",
        "--data",
        "setup=cicd_only",
        "--data",
        "project_name=ml-repo",
        "--data",
        "cicd_platform=gitlab",
        "--data",
        "cloud=aws",
        "--data",
        "default_branch=develop",
        "repo",
    )
    assert result.exit_code == 0, result.stderr
    repo_dir = workdir / "repo"
    root_answers_text = (repo_dir / ".copier-answers.yml").read_text()
    assert yaml.safe_load(root_answers_text)["setup"] == "cicd_only"
    assert "cd repo" in result.stdout and "setup=project_only" in result.stdout

    # The repository's cloud is the default; its CI/CD settings are inherited.
    result = init(
        "--defaults",
        "--data",
        "setup=project_only",
        "--data",
        "project_name=churn-model",
        "--data",
        "cicd_platform=github_actions",
        "repo",
    )
    assert result.exit_code == 0, result.stderr
    assert "Warning: ignored cicd_platform: the repository's answers set it (gitlab)" in (
        result.stderr
    )
    assert "Added project churn-model to the repository repo." in result.stdout

    # Without --data setup=..., adding to a CI/CD-only repository implies project_only.
    result = init("--defaults", "--data", "project_name=fraud", "repo")
    assert result.exit_code == 0, result.stderr

    assert (repo_dir / ".copier-answers.yml").read_text() == root_answers_text
    for package in ("churn_model", "fraud"):
        project = _answers(repo_dir / package)
        assert project["setup"] == "project_only"
        assert project["cloud"] == "aws"
        assert (repo_dir / package / "databricks.yml").is_file()
        pipelines = sorted(
            p.name for p in (repo_dir / ".gitlab" / "pipelines").glob(f"{package}-*")
        )
        assert pipelines, f"no per-project pipelines for {package}"
        text = "".join((repo_dir / ".gitlab" / "pipelines" / p).read_text() for p in pipelines)
        assert "develop" in text  # the repository's default branch
    assert not (repo_dir / ".github").exists()

    repo = git.Repo(repo_dir)
    messages = [c.message.strip() for c in repo.iter_commits()]
    assert len(messages) == 3
    assert messages[0].startswith("Add project fraud")
    assert not repo.is_dirty(untracked_files=True)
    changed = repo.git.show("--name-only", "--format=", "HEAD").splitlines()
    assert all(p.startswith(("fraud/", ".gitlab/pipelines/fraud-")) for p in changed), changed


def test_adding_refuses_collisions_and_wrong_setup(init: Init, workdir: Path) -> None:
    args = ("--defaults", "--data", "setup=cicd_only", "--data", "project_name=ml-repo", "repo")
    assert init(*args).exit_code == 0
    assert init("--defaults", "--data", "project_name=fraud", "repo").exit_code == 0
    before = tree(workdir / "repo")
    head = git.Repo(workdir / "repo").head.commit.hexsha

    again = init("--defaults", "--data", "project_name=fraud", "repo")
    wrong = init(
        "--defaults", "--data", "project_name=other", "--data", "setup=project_and_cicd", "repo"
    )

    assert again.exit_code == 1 and wrong.exit_code == 1
    assert "project_name:" in again.stderr and "already exists" in again.stderr
    assert "setup: 'project_and_cicd' cannot go into repo" in wrong.stderr
    assert "--data setup=project_only" in wrong.stderr
    assert tree(workdir / "repo") == before
    assert git.Repo(workdir / "repo").head.commit.hexsha == head
    assert sorted(p.name for p in workdir.iterdir()) == ["repo"]


def test_adding_keeps_the_users_staged_work_staged(init: Init, workdir: Path) -> None:
    assert (
        init(
            "--defaults", "--data", "setup=cicd_only", "--data", "project_name=mono", "r"
        ).exit_code
        == 0
    )
    repo = git.Repo(workdir / "r")
    (workdir / "r" / "notes.md").write_text("work in progress\n")
    repo.git.add("notes.md")

    assert init("--defaults", "--data", "project_name=proj", "r").exit_code == 0

    assert "notes.md" not in repo.git.show("--name-only", "--format=", "HEAD").splitlines()
    assert repo.git.diff("--cached", "--name-only").splitlines() == ["notes.md"]


def _tiny_template(root: Path) -> Path:
    """A small copier template in a git repository, built inline."""
    tpl = root / "tpl"
    (tpl / "template").mkdir(parents=True)
    (tpl / "copier.yml").write_text(
        "_subdirectory: template\n"
        "service:\n  type: str\n  default: api\n"
        "replicas:\n  type: int\n  default: 2\n"
        'tls:\n  type: bool\n  default: false\n  when: "{{ replicas > 1 }}"\n'
    )
    (tpl / "template" / "{{ service }}.txt.jinja").write_text("{{ replicas }} {{ tls }}\n")
    (tpl / "template" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}"
    )
    repo = git.Repo.init(tpl)
    repo.git.add("--all")
    repo.git.commit(
        "-m",
        "template",
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@x",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@x",
        },
    )
    return tpl


def test_another_template_from_a_folder_or_file_url(init: Init, workdir: Path) -> None:
    tpl = _tiny_template(workdir.parent)

    result = init(
        "--defaults", "--data", "replicas=3", "--data", "tls=yes", "--template", str(tpl), "a"
    )
    assert result.exit_code == 0, result.stderr
    assert (workdir / "a" / "api.txt").read_text() == "3 True\n"
    assert "cd a" in result.stdout and "mlops-stacks deploy" not in result.stdout

    result = init("--defaults", "--data", "replicas=1", "--template", f"file://{tpl}", "b")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "b" / "api.txt").read_text() == "1 False\n"  # tls does not apply

    bad = init("--defaults", "--data", "replicas=many", "--template", str(tpl), "c")
    assert bad.exit_code == 1
    assert "replicas: 'many' is not a whole number" in bad.stderr
    assert not (workdir / "c").exists()


def test_adding_skips_files_the_repository_ignores(init: Init, workdir: Path) -> None:
    assert (
        init(
            "--defaults", "--data", "setup=cicd_only", "--data", "project_name=mono", "r"
        ).exit_code
        == 0
    )
    repo = git.Repo(workdir / "r")
    with (workdir / "r" / ".gitignore").open("a") as f:
        f.write("\n*.csv\n")
    repo.git.commit("-am", "Ignore data files")

    result = init("--defaults", "--data", "project_name=proj", "r")

    assert result.exit_code == 0, result.stderr
    data = sorted((workdir / "r" / "proj" / "data").glob("*.csv"))
    assert data  # written to disk, as the template renders it ...
    committed = repo.git.show("--name-only", "--format=", "HEAD").splitlines()
    assert "proj/databricks.yml" in committed
    assert not any(p.endswith(".csv") for p in committed)  # ... but not committed
    assert not repo.is_dirty(untracked_files=True)


def test_tool_caches_in_a_template_are_not_copied(init: Init, workdir: Path) -> None:
    tpl = _tiny_template(workdir.parent)
    for cache in (".ruff_cache", "__pycache__", ".pytest_cache"):
        (tpl / "template" / cache).mkdir()
        (tpl / "template" / cache / "junk").write_text("x")

    result = init("--defaults", "--no-git", "--template", str(tpl), "out")

    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [".copier-answers.yml", "api.txt"]
