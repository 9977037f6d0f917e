"""``init_project(options) -> InitResult``: generate a project from a template.

``init_project`` is ``generate(prepare(options))``: ``prepare`` does steps 1-4
(and any prompting) and writes nothing; ``generate`` does step 5. The steps:

1. find the template and read its questions (``source``, ``questions``);
2. read the answers: ``--config-file`` then ``--data`` (``answers``);
3. check the destination: new, empty, or a CI/CD-only repository to add a
   project to (``destination``);
4. complete and check the answers: given, defaults, or prompts (``resolve``);
5. render with copier into a temporary folder, ``git init`` and commit there,
   then move into place; or, when adding to a repository, move the project's
   files in and commit them to that repository (``render``, ``gitrepo``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_stacks import __version__
from mlops_stacks.scaffold import destination as dst
from mlops_stacks.scaffold import gitrepo, render
from mlops_stacks.scaffold.answers import DATA, Given, load_answers_file, merge
from mlops_stacks.scaffold.questions import load_template_spec
from mlops_stacks.scaffold.resolve import Ask, require_complete, resolve
from mlops_stacks.scaffold.source import TemplateSource, locate_template


@dataclass
class InitOptions:
    """Everything ``init`` needs; the CLI maps its flags onto this one object."""

    output_dir: Path | None = None  # None: ./<project_name>
    data: Mapping[str, Any] = field(default_factory=dict)  # strings are read like --data
    config_file: Path | None = None
    defaults: bool = False
    template: str | None = None  # None: the built-in template
    git: bool = True
    ask: Ask | None = None  # None: never prompt


@dataclass
class InitResult:
    output_dir: Path
    project_dir: Path | None  # the bundle root, None for setup=cicd_only
    answers: dict[str, Any]
    files: list[Path]  # files written, relative to output_dir
    added_to_repository: bool = False
    commit: str | None = None
    ignored: list[str] = field(default_factory=list)  # given answers that did not apply
    inherited: dict[str, Any] = field(default_factory=dict)  # taken from the repository


def _package(spec: Any, answers: dict[str, Any], base: dict[str, Any]) -> str:
    computed = spec.computed_values({**base, **answers})
    name = str(answers.get("project_name", "project"))
    return str(computed.get("project_package") or name.lower().replace("-", "_"))


@dataclass
class InitPlan:
    """Everything decided before writing: the template, the destination, the answers."""

    source: TemplateSource
    destination: dst.Destination
    answers: dict[str, Any]
    data: dict[str, Any]  # what the template renders with (answers + inherited + computed)
    package: str
    git: bool
    ignored: list[str]


def prepare(options: InitOptions) -> InitPlan:
    """Steps 1-4: read and check everything, prompting if allowed; writes nothing."""
    source = locate_template(options.template)
    spec = load_template_spec(source.folder)
    given = merge(
        load_answers_file(options.config_file) if options.config_file else {},
        {k: Given(v, DATA) for k, v in options.data.items()},
    )

    where = dst.inspect_destination(options.output_dir) if options.output_dir else None
    base: dict[str, Any] = dict(where.inherited) if where else {}
    preset = dst.adding_presets(where) if where and where.adding else {}
    if where and where.adding and spec.question(dst.PROJECT_CICD_FLAG) is not None:
        base[dst.PROJECT_CICD_FLAG] = True
    if options.ask is not None and not options.defaults:
        # Check every given answer before the first prompt.
        resolve(spec, given, defaults=True, preset=preset, base=base)
    result = resolve(
        spec, given, defaults=options.defaults, ask=options.ask, preset=preset, base=base
    )
    require_complete(result)
    answers = result.answers
    if where is None:
        name = str(answers.get("project_name", "project"))
        where = dst.inspect_destination(Path(name), allow_adding=False)
    dst.check_adding_setup(where, answers)
    if options.git and not where.adding:
        gitrepo.require_git()
    package = _package(spec, answers, base)
    if where.adding:
        dst.refuse_existing_project(where.path, package)
    return InitPlan(
        source=source,
        destination=where,
        answers=answers,
        data={**base, **answers, "mlops_stacks_version": __version__},
        package=package,
        git=options.git,
        ignored=result.ignored,
    )


def generate(plan: InitPlan) -> InitResult:
    """Step 5: render and put the files in place (all or nothing), then commit."""
    where = plan.destination
    has_project = plan.answers.get("setup") != "cicd_only"
    out = InitResult(
        output_dir=where.path,
        project_dir=where.path / plan.package if has_project else None,
        answers=plan.answers,
        files=[],
        added_to_repository=where.adding,
        ignored=plan.ignored,
        inherited=dict(where.inherited),
    )
    if where.adding:
        _add_to_repository(plan.source, where.path, plan.data, plan.package, plan.git, out)
    else:
        _create(plan.source, where.path, plan.data, plan.git, out)
    if out.project_dir is not None and not out.project_dir.is_dir():
        out.project_dir = None  # a template without a project folder
    return out


def init_project(options: InitOptions) -> InitResult:
    """Generate a project; see the module docstring for the steps."""
    return generate(prepare(options))


def _create(
    source: TemplateSource, path: Path, data: dict[str, Any], git: bool, out: InitResult
) -> None:
    with render.staging_area(path) as tmp:
        render.render(source.src, tmp, data, trusted=source.builtin)
        out.files = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if not p.is_dir())
        if git:
            name = data.get("project_name", path.name)
            out.commit = gitrepo.init_repository(
                tmp,
                f"Create {name} with mlops-stacks {__version__}",
                branch=data.get("default_branch"),
            )
        render.place(tmp, path)


def _add_to_repository(
    source: TemplateSource,
    path: Path,
    data: dict[str, Any],
    package: str,
    git: bool,
    out: InitResult,
) -> None:
    with render.staging_area(path) as tmp:
        answers_file = f"{package}/{dst.ANSWERS_FILE}"
        render.render(source.src, tmp, data, answers_file=answers_file, trusted=source.builtin)
        files, _shared = dst.project_files(tmp, package)
        dst.refuse_collisions(path, files)
        render.merge(tmp, path, files)
    out.files = files
    repo = gitrepo.enclosing_repository(path) if git else None
    if repo is not None:
        out.commit = gitrepo.commit_paths(
            repo,
            [path / f for f in files],
            f"Add project {data.get('project_name', package)} with mlops-stacks {__version__}",
        )
