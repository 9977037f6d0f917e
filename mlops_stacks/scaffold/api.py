"""``init_project(options) -> InitResult``: generate a project from a template.

``init_project`` is ``generate(prepare(options))``: ``prepare`` does steps 1-4
(and any prompting) and writes nothing; ``generate`` does step 5. The steps:

1. find the template and read its questions (``source``, ``questionnaire``);
2. read the answers: ``--config-file`` then ``--data`` (``answers``);
3. check the destination: new, empty, or a CI/CD-only repository to add a
   project to (``destination``);
4. complete and check the answers as copier does: given, defaults, or
   prompts (``questionnaire``, ``prompts``);
5. render with copier in place, ``git init`` and commit; or, when adding to a
   repository, learn the project's files from a render into a temporary folder,
   refuse collisions, then render in place and commit those files to that
   repository (``render``, ``gitrepo``). A failure removes what was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlops_stacks import __version__
from mlops_stacks.install_source import InstallSource, install_data, installed_requirement
from mlops_stacks.jsontypes import JsonMapping, JsonObject
from mlops_stacks.scaffold import destination as dst
from mlops_stacks.scaffold import gitrepo, render, trust
from mlops_stacks.scaffold.answers import DATA, Given, load_answers_file, merge
from mlops_stacks.scaffold.questionnaire import Ask, Questionnaire, require_complete
from mlops_stacks.scaffold.source import TemplateSource, locate_template


@dataclass
class InitOptions:
    """Everything ``init`` needs; the CLI maps its flags onto this one object."""

    output_dir: Path | None = None  # None: ./<project_name>
    data: JsonMapping = field(default_factory=dict)  # strings are read like --data
    config_file: Path | None = None
    defaults: bool = False
    template: str | None = None  # None: the built-in template
    git: bool = True
    ask: Ask | None = None  # None: never prompt
    vcs_ref: str | None = None  # a git template's tag or commit; None: its newest tag
    trust: bool = False  # let the template run code (_tasks, _migrations, extensions)


@dataclass
class InitResult:
    output_dir: Path
    project_dir: Path | None  # the bundle root, None for setup=cicd_only
    answers: JsonObject
    files: list[Path]  # files written, relative to output_dir
    added_to_repository: bool = False
    commit: str | None = None
    ignored: list[str] = field(default_factory=list)  # given answers that did not apply
    inherited: JsonObject = field(default_factory=dict)  # taken from the repository
    installed: InstallSource | None = None  # how this mlops-stacks was installed


@dataclass
class InitPlan:
    """Everything decided before writing: the template, the destination, the answers."""

    source: TemplateSource
    destination: dst.Destination
    answers: JsonObject
    data: JsonObject  # what the template renders with (answers + inherited + computed)
    package: str
    git: bool
    ignored: list[str]
    vcs_ref: str | None = None
    trust: bool = False
    installed: InstallSource | None = None  # how this mlops-stacks was installed


def prepare(options: InitOptions) -> InitPlan:
    """Steps 1-4: read and check everything, prompting if allowed; writes nothing."""
    source = locate_template(options.template, vcs_ref=options.vcs_ref)
    questionnaire = Questionnaire.read(
        source.src,
        vcs_ref=source.vcs_ref,
        destination=options.output_dir or Path(),
        trusted=source.builtin or options.trust,
        cache_bytecode=source.builtin,
    )
    if not (source.builtin or options.trust):
        trust.refuse_untrusted_settings(questionnaire.settings, source.src)
    given = merge(
        load_answers_file(options.config_file) if options.config_file else {},
        {k: Given(v, DATA) for k, v in options.data.items()},
    )

    where = dst.inspect_destination(options.output_dir) if options.output_dir else None
    base: JsonObject = dict(where.inherited) if where else {}
    preset = dst.adding_presets(where) if where and where.adding else {}
    if where and where.adding and dst.PROJECT_CICD_FLAG in questionnaire.questions:
        base[dst.PROJECT_CICD_FLAG] = True
    if options.ask is not None and not options.defaults:
        # Check every given answer before the first prompt.
        questionnaire.resolve(given, defaults=True, preset=preset, base=base)
    result = questionnaire.resolve(
        given, defaults=options.defaults, ask=options.ask, preset=preset, base=base
    )
    require_complete(result, options.defaults)
    answers = result.answers
    installed = installed_requirement()
    if where is None:
        name = str(answers.get("project_name", "project"))
        where = dst.inspect_destination(Path(name), allow_adding=False)
    dst.check_adding_setup(where, answers)
    if options.git and not where.adding:
        gitrepo.require_git()
    name = str(answers.get("project_name", "project"))
    package = str(result.computed.get("project_package") or name.lower().replace("-", "_"))
    if where.adding:
        dst.refuse_existing_project(where.path, package)
    return InitPlan(
        source=source,
        destination=where,
        answers=answers,
        data={**base, **answers, "mlops_stacks_version": __version__,
              **install_data(installed)},
        package=package,
        git=options.git,
        ignored=result.ignored,
        vcs_ref=options.vcs_ref,
        trust=options.trust,
        installed=installed,
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
        installed=plan.installed,
    )
    if where.adding:
        _add_to_repository(plan, out)
    else:
        _create(plan, out)
    if out.project_dir is not None and not out.project_dir.is_dir():
        out.project_dir = None  # a template without a project folder
    return out


def init_project(options: InitOptions) -> InitResult:
    """Generate a project; see the module docstring for the steps."""
    return generate(prepare(options))


def _render(
    plan: InitPlan, dest: Path, answers_file: str | None = None, skip_tasks: bool = False
) -> None:
    source = plan.source
    render.render(
        source.src,
        dest,
        plan.data,
        answers_file=answers_file,
        trusted=source.builtin or plan.trust,
        cache_bytecode=source.builtin,
        vcs_ref=plan.vcs_ref,
        skip_tasks=skip_tasks,
    )
    if source.builtin:
        render.record_builtin_source(dest / (answers_file or dst.ANSWERS_FILE))


def _create(plan: InitPlan, out: InitResult) -> None:
    path, data = plan.destination.path, plan.data
    with render.fresh_destination(path):
        _render(plan, path)
        out.files = sorted(p.relative_to(path) for p in path.rglob("*") if not p.is_dir())
        if plan.git:
            name = data.get("project_name", path.name)
            out.commit = gitrepo.init_repository(
                path,
                f"Create {name} with mlops-stacks {__version__}",
                branch=data.get("default_branch"),
            )


def _add_to_repository(plan: InitPlan, out: InitResult) -> None:
    path, data, package = plan.destination.path, plan.data, plan.package
    answers_file = f"{package}/{dst.ANSWERS_FILE}"
    with render.staging_area(path) as tmp:  # which files the project adds
        _render(plan, tmp, answers_file=answers_file, skip_tasks=True)
        # The template leaves out repository-level files when it adds a project
        # (copier.yml's _exclude), so everything rendered belongs to the project.
        files = dst.rendered_files(tmp)
    dst.refuse_collisions(path, files)
    with render.new_files(path, files):
        _render(plan, path, answers_file=answers_file)
    out.files = files
    repo = gitrepo.enclosing_repository(path) if plan.git else None
    if repo is not None:
        out.commit = gitrepo.commit_paths(
            repo,
            [path / f for f in files],
            f"Add project {data.get('project_name', package)} with mlops-stacks {__version__}",
        )
