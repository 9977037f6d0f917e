"""Where a new project goes: a new or empty folder, or an existing CI/CD-only repository.

A repository generated with ``setup=cicd_only`` holds shared CI/CD and no
project; ``init --data setup=project_only`` into it *adds* a project:

- the CI/CD platform, workspace hosts and branches come from the repository's
  ``.copier-answers.yml`` (the cloud is its default), so the project's own
  pipelines fit the repository;
- only the project's files are added: the template renders, for a project
  added to a repository, its folder ``<package>/`` (with the project's answers
  in ``<package>/.copier-answers.yml``) and its own pipelines, and leaves out
  repository-level files (README, .gitignore, root CI configuration), which
  stay as the repository has them;
- if any of those files already exists, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlops_stacks.errors import AnswerError, MlopsStacksError
from mlops_stacks.jsontypes import JsonObject

ANSWERS_FILE = ".copier-answers.yml"
INHERITED = (
    "cicd_platform",
    "staging_workspace_host",
    "prod_workspace_host",
    "default_branch",
    "release_branch",
)
PRESET = ("cloud",)
PROJECT_CICD_FLAG = "with_project_cicd"


@dataclass
class Destination:
    path: Path
    repo_answers: JsonObject | None = None  # set when adding to a CI/CD-only repository
    inherited: JsonObject = field(default_factory=dict)

    @property
    def adding(self) -> bool:
        return self.repo_answers is not None


def _read_answers(path: Path) -> JsonObject | None:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def inspect_destination(path: Path, *, allow_adding: bool = True) -> Destination:
    """Check ``path`` can receive a new project, before anything is asked or written."""
    if path.is_file() or (path.exists() and not path.is_dir()):
        raise AnswerError(
            f"OUTPUT_DIR {path}: is a file, not a folder. Pass a new or empty folder."
        )
    if not path.exists() or not any(path.iterdir()):
        return Destination(path)
    from mlops_stacks.scaffold.render import incomplete_marker

    if incomplete_marker(path).exists():
        raise AnswerError(
            f"OUTPUT_DIR {path}: holds a project whose init was killed before it finished, "
            "so it is incomplete.",
            hint=f"Delete it (`rm -rf {path}`) and run init again.",
        )
    answers = _read_answers(path / ANSWERS_FILE) if allow_adding else None
    if answers is not None and answers.get("setup") == "cicd_only":
        inherited = {k: answers[k] for k in INHERITED if k in answers}
        return Destination(path, repo_answers=answers, inherited=inherited)
    raise AnswerError(
        f"OUTPUT_DIR {path}: is not empty. Pass a new or empty folder "
        "(a project can only be added to a repository generated with setup=cicd_only)."
    )


def adding_presets(dest: Destination) -> JsonObject:
    """Defaults when adding to a repository: setup=project_only, the repository's cloud."""
    presets: JsonObject = {"setup": "project_only"}
    for key in PRESET:
        if dest.repo_answers and key in dest.repo_answers:
            presets[key] = dest.repo_answers[key]
    return presets


def check_adding_setup(dest: Destination, answers: JsonObject) -> None:
    if dest.adding and answers.get("setup") != "project_only":
        raise AnswerError(
            f"setup: {answers.get('setup')!r} cannot go into {dest.path}, a CI/CD-only "
            "repository. Pass --data setup=project_only to add a project to it."
        )


def rendered_files(rendered: Path) -> list[Path]:
    """Every file (or link) of a rendered tree, relative to it."""
    return [
        p.relative_to(rendered)
        for p in sorted(rendered.rglob("*"))
        if p.is_file() or p.is_symlink()
    ]


def refuse_collisions(dest: Path, files: list[Path]) -> None:
    taken = [str(rel) for rel in files if (dest / rel).exists() or (dest / rel).is_symlink()]
    if taken:
        shown = ", ".join(taken[:3]) + (f" and {len(taken) - 3} more" if len(taken) > 3 else "")
        raise MlopsStacksError(
            f"OUTPUT_DIR {dest}: already has {shown}; nothing was written. "
            "Choose another project_name, or remove those files."
        )


def refuse_existing_project(dest: Path, package: str) -> None:
    """Adding a project whose folder already exists in the repository is refused."""
    if (dest / package).exists():
        raise AnswerError(
            f"project_name: {dest / package} already exists in the repository; nothing was "
            "written. Pass another --data project_name=..."
        )
