"""``update_project(options) -> UpdateResult``: take a newer template version into a project.

A 3-way merge done by copier's ``run_update``: copier renders the template at
the version the project records (``_commit`` in ``.copier-answers.yml``) and at
the new version, and applies the difference to the project. The user's edits
stay; where both sides changed the same lines, the file gets conflict markers
(``--conflict inline``) or a ``.rej`` file beside it (``--conflict rej``), and
the user's lines are always kept.

- The project must be a git work tree with nothing uncommitted, so the result
  can be reviewed with ``git diff`` and undone with ``git checkout .``.
- ``pretend`` runs the same update in a throw-away clone of the repository and
  reports what would change; the project itself is not touched.
- The built-in template is found offline (``releases``); a git template is
  fetched from where ``_src_path`` says, as copier does.
- A project added to a CI/CD-only repository keeps its answers in
  ``<project>/.copier-answers.yml`` and is updated from the repository's root,
  so its pipelines under ``.github/`` (or the platform's folder) update with it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.errors import AnswerError, MlopsStacksError, UsageError
from mlops_stacks.jsontypes import JsonMapping, JsonObject
from mlops_stacks.scaffold import gitrepo, releases
from mlops_stacks.scaffold.destination import INHERITED, PROJECT_CICD_FLAG

if TYPE_CHECKING:
    from packaging.version import Version

ANSWERS_FILE = ".copier-answers.yml"
CONFLICT_MODES = ("inline", "rej")
_MARKERS = ("<<<<<<< ", ">>>>>>> ")


@dataclass
class UpdateOptions:
    project_dir: Path = field(default_factory=lambda: Path("."))
    vcs_ref: str | None = None  # None: the newest version
    pretend: bool = False
    conflict: str = "inline"
    data: JsonMapping = field(default_factory=dict)
    defaults: bool = False
    trust: bool = False
    skip_answered: bool = False
    diff: bool = False  # also return the changes as a unified diff


@dataclass
class UpdateResult:
    project_dir: Path
    source: str
    from_version: str | None
    to_version: str | None
    changed: list[str]  # paths relative to the repository root, as `git status` lists them
    conflicts: list[str]
    pretend: bool = False
    new_answers: JsonObject = field(default_factory=dict)
    """Answers to questions the old version did not ask (not given with --data)."""
    diff: str = ""  # the changes as a unified diff (``UpdateOptions.diff``)


@dataclass
class Subproject:
    """Where copier updates: the folder it renders into and the answers file in it."""

    root: Path  # copier's destination
    answers_relpath: Path  # relative to root
    answers: JsonObject
    data: JsonObject = field(default_factory=dict)  # answers copier must be given again

    @property
    def folder(self) -> Path:
        """The folder that holds the answers file (the project, or the repository root)."""
        return self.root / self.answers_relpath.parent

    @property
    def source(self) -> str:
        return str(self.answers.get("_src_path") or "")

    @property
    def builtin(self) -> bool:
        return self.source == releases.BUILTIN_URL


def _read_answers(path: Path) -> JsonObject:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AnswerError(f"{path}: cannot read the answers file: {exc}") from None
    if not isinstance(data, dict):
        raise AnswerError(f"{path}: is not a mapping of answers.")
    return data


def locate_subproject(project_dir: Path) -> Subproject:
    """The answers file of ``project_dir`` and the folder copier renders into."""
    project_dir = project_dir.resolve()
    # From inside a generated repository (e.g. its bundle folder), the nearest answers file.
    found = next(
        (d for d in (project_dir, *project_dir.parents) if (d / ANSWERS_FILE).is_file()), None
    )
    if found is not None and (found == project_dir or _is_work_tree(found)):
        project_dir = found
    path = project_dir / ANSWERS_FILE
    if not path.is_file():
        raise AnswerError(
            f"{project_dir}: has no {ANSWERS_FILE}, so its template is unknown.",
            hint="Run update in a folder made by `mlops-stacks init` (the project or "
            "the repository root).",
        )
    answers = _read_answers(path)
    if not answers.get("_src_path"):
        raise AnswerError(f"{path}: records no _src_path; the template it came from is unknown.")
    source = str(answers["_src_path"]).replace("\\", "/")
    for key, value in (("_src_path", source), ("_commit", answers.get("_commit"))):
        # Both reach git (ls-remote, clone, checkout) as arguments: never as options.
        if str(value or "").lstrip().startswith("-"):
            raise AnswerError(
                f"{path}: {key} is {str(value)[:80]!r}, which starts with '-': git would "
                "read it as an option, not a template source or version.",
                hint=f"Set {key} to the template's URL or folder (and _commit to a version "
                "tag), as `mlops-stacks init` records them.",
            )
    if not answers.get("_commit") and source.endswith(("_templates/mlops-stacks",
                                                        "templates/mlops-stacks")):
        # mlops-stacks 0.1.0 recorded the built-in template as a path of the machine.
        raise AnswerError(
            f"{path}: was made by mlops-stacks 0.1.0, which recorded the built-in template as "
            f"a path ({source}) and no version.",
            hint=f"Set `_src_path: {releases.BUILTIN_URL}` and `_commit: v0.1.0` in it, "
            "commit, then run update again.",
        )
    if answers.get("setup") == "project_only" and answers.get(PROJECT_CICD_FLAG) is True:
        # A project inside a CI/CD-only repository: its files (and pipelines) were
        # rendered from the repository root, with the answers in <project>/. The
        # CI/CD answers it inherited are not questions for setup=project_only, so
        # copier would drop them: they go back in as data.
        inherited = {k: answers[k] for k in (PROJECT_CICD_FLAG, *INHERITED) if k in answers}
        root = project_dir.parent
        return Subproject(root, Path(project_dir.name) / ANSWERS_FILE, answers, inherited)
    return Subproject(project_dir, Path(ANSWERS_FILE), answers)


def _git(root: Path, *args: str) -> str:
    return gitrepo.output(root, *args, doing=f" in {root}")


def _is_work_tree(root: Path) -> bool:
    done = gitrepo.run(root, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == "true"


def require_clean(root: Path) -> None:
    if shutil.which("git") is None:
        raise MlopsStacksError("git is not installed; update needs git to merge. Install git.")
    if not _is_work_tree(root):
        raise MlopsStacksError(
            f"{root}: is not in a git repository; update merges with git.",
            hint="Run `git init && git add -A && git commit -m 'Project'` first.",
        )
    dirty = _git(root, "--no-optional-locks", "status", "--porcelain", "--", ".").splitlines()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        raise MlopsStacksError(
            f"{root}: has uncommitted changes ({shown}); update would mix them with the "
            "template's changes.",
            hint="Commit or stash them (`git stash`), then run update again.",
        )


@contextlib.contextmanager
def template_access(sub: Subproject) -> Iterator[None]:
    """Make the project's template source reachable (the built-in one offline)."""
    if sub.builtin:
        with releases.builtin_url_mapping():
            yield
    else:
        yield


def _conflicts(root: Path, changed: list[str]) -> list[str]:
    out = []
    for rel in changed:
        path = root / rel
        if rel.endswith(".rej"):
            out.append(rel[: -len(".rej")])
            continue
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        if any(line.startswith(_MARKERS[0]) for line in lines) and any(
            line.startswith(_MARKERS[1]) for line in lines
        ):
            out.append(rel)
    return sorted(set(out))


def _changed(root: Path) -> list[str]:
    lines = _git(
        root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all", "--", "."
    ).splitlines()
    return sorted(line[3:].strip('"') for line in lines)


def _run_copier_update(sub: Subproject, options: UpdateOptions, root: Path) -> None:
    import jinja2
    from copier import run_update
    from copier.errors import CopierError, UnsafeTemplateError, UserMessageError

    from mlops_stacks.install_source import install_data, installed_requirement

    try:
        run_update(
            str(root),
            answers_file=str(sub.answers_relpath),
            vcs_ref=options.vcs_ref,
            # How this mlops-stacks was installed moves an unanswered requirement forward.
            data={**install_data(installed_requirement()), **sub.data, **options.data},
            # copier drops answers to questions that are not asked (``when`` false)
            # when it renders the new version for the diff; as user defaults they stay.
            user_defaults=sub.data,
            defaults=options.defaults,
            skip_answered=options.skip_answered,
            unsafe=options.trust,
            conflict="rej" if options.conflict == "rej" else "inline",  # checked above
            overwrite=True,
            quiet=True,
        )
    except UnsafeTemplateError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unsafe features"
        raise MlopsStacksError(
            f"the template at {sub.source} runs code on your machine ({first.rstrip('.')}); "
            "nothing was changed.",
            hint="Review the template, then pass --trust (or list it in the trusted "
            "sources of your settings file).",
        ) from None
    except UserMessageError as exc:
        raise MlopsStacksError(f"update failed: {str(exc).strip()}") from None
    except (CopierError, ValueError, jinja2.TemplateError, OSError) as exc:
        lines = str(exc).strip().splitlines()
        raise MlopsStacksError(
            f"update failed: {lines[0] if lines else type(exc).__name__}",
            hint="Your files may be partly updated: `git checkout . && git clean -fd` undoes it.",
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise MlopsStacksError(f"update failed: {exc}") from exc
    except Exception as exc:  # plumbum's git errors and the like
        if type(exc).__name__ != "ProcessExecutionError":
            raise
        detail = [line for line in str(getattr(exc, "stderr", "") or exc).splitlines() if line]
        raise MlopsStacksError(
            f"update failed: git could not get the template from {sub.source}: "
            f"{detail[-1].strip(' |') if detail else exc}",
            hint="Check the template source and --vcs-ref.",
        ) from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_data(sub: Subproject, options: UpdateOptions) -> None:
    """Check ``--data`` answers against the version updated to, before anything changes.

    The same checks and one-line messages as ``init`` (unknown keys with a
    did-you-mean, types, choices, the template's validators). Recorded answers with a
    line break or control character (an edited answers file) are checked the same way:
    copier would render them into YAML and shell lines unchecked.
    """
    from mlops_stacks.scaffold.answers import Given
    from mlops_stacks.scaffold.questionnaire import Questionnaire, check

    answers_file = sub.folder / ANSWERS_FILE
    given = {
        k: Given(v, str(answers_file)) for k, v in sub.answers.items()
        if not k.startswith("_") and k not in options.data
        and isinstance(v, str) and _CONTROL.search(v)
    }  # fmt: skip
    given.update({k: Given(v) for k, v in options.data.items()})
    if not given:
        return
    context = {k: v for k, v in sub.answers.items() if not k.startswith("_")}
    context.update(sub.data)
    context.update(options.data)
    with template_access(sub):
        questionnaire = Questionnaire.read(
            sub.source, vcs_ref=options.vcs_ref, trusted=options.trust
        )
        questionnaire.check_keys({k: v for k, v in given.items() if k in options.data})
        for key, answer in given.items():
            others = {k: v for k, v in context.items() if k != key}
            check(questionnaire.question(key, others), answer)


def refuse_untrusted_version(sub: Subproject, options: UpdateOptions) -> None:
    """Refuse, as ``init`` does, a version that needs trust (``_preserve_symlinks``, which
    copier itself would write without asking) when ``--trust`` was not given."""
    if options.trust or sub.builtin:
        return
    from mlops_stacks.scaffold import trust
    from mlops_stacks.scaffold.questionnaire import Questionnaire

    with template_access(sub):
        settings = Questionnaire.read(sub.source, vcs_ref=options.vcs_ref).settings
    trust.refuse_untrusted_settings(settings, sub.source)


def update_project(options: UpdateOptions) -> UpdateResult:
    """Update the project at ``options.project_dir`` to a newer template version."""
    if options.conflict not in CONFLICT_MODES:
        raise UsageError(f"--conflict must be inline or rej, not {options.conflict!r}.")
    sub = locate_subproject(options.project_dir)
    require_clean(sub.root)
    check_data(sub, options)
    refuse_untrusted_version(sub, options)
    before = sub.answers.get("_commit")
    with contextlib.ExitStack() as stack:
        root = sub.root
        if options.pretend:
            root = stack.enter_context(_scratch_clone(sub.root))
        with template_access(sub):
            _run_copier_update(sub, options, root)
        changed = _changed(root)
        conflicts = _conflicts(root, changed)
        answers_after = _read_answers(root / sub.answers_relpath)
        after = answers_after.get("_commit")
        new_answers = {k: v for k, v in answers_after.items() if not k.startswith("_")
                       and k not in sub.answers and k not in options.data}
        diff = _diff(root, changed) if options.diff else ""
    return UpdateResult(
        project_dir=sub.folder,
        source=sub.source,
        from_version=str(before) if before else None,
        to_version=str(after) if after else None,
        changed=changed,
        conflicts=conflicts,
        pretend=options.pretend,
        new_answers=new_answers,
        diff=diff,
    )


def _diff(root: Path, changed: list[str]) -> str:
    """``git diff`` of the update under ``root``, new files included (nothing is staged)."""
    tracked = set(_git(root, "ls-files", "--", ".").splitlines())
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    parts = [_git(root, "-c", "core.quotepath=off", "diff", "--no-color", "HEAD", "--", ".")]
    for rel in changed:
        local = rel[len(prefix) + 1:] if prefix != "." and rel.startswith(prefix + "/") else rel
        if local in tracked or not (root / local).is_file():
            continue
        new = subprocess.run(
            ["git", "-c", "core.quotepath=off", "diff", "--no-color", "--no-index", "--",
             "/dev/null", local], cwd=root, capture_output=True, text=True)
        parts.append(new.stdout)
    return "".join(parts)


@contextlib.contextmanager
def _scratch_clone(root: Path) -> Iterator[Path]:
    """A throw-away clone of the repository holding ``root``; yields the same folder in it."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    rel = root.resolve().relative_to(top.resolve())
    with tempfile.TemporaryDirectory(prefix="mlops-stacks-pretend-") as tmp:
        clone = Path(tmp) / top.name
        _git(Path(tmp), "clone", "--quiet", "--no-checkout", "--", str(top), str(clone))
        _git(clone, "checkout", "--quiet", _git(top, "rev-parse", "HEAD").strip())
        yield clone / rel


# ---------------------------------------------------------------- --check


@dataclass
class CheckResult:
    project_dir: Path
    source: str
    current: str | None
    latest: str | None

    @property
    def update_available(self) -> bool:
        if self.latest is None or self.current == self.latest:
            return False
        if self.current is None:
            return True
        latest, current = _version_key(self.latest), _version_key(self.current)
        return latest > current if latest[0] == current[0] == 1 else True


def _version_key(tag: str) -> tuple[int, Version | str]:
    from packaging.version import InvalidVersion
    from packaging.version import Version as _Version

    try:
        return (1, _Version(tag.lstrip("v")))
    except InvalidVersion:
        return (0, tag)


def _git_url(source: str) -> str | None:
    """What git can list tags of: copier's short forms expanded; a folder only if a repo."""
    for short, base in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if source.startswith(short):
            path = source[len(short) :]
            return base + (path if path.endswith(".git") else f"{path}.git")
    source = source.removeprefix("git+")
    if "://" in source or source.startswith("git@"):
        return source
    folder = Path(source).expanduser()
    return str(folder) if (folder / ".git").exists() else None


def latest_version(sub: Subproject) -> str | None:
    """The newest release tag of the project's template."""
    if sub.builtin:
        return releases.version_tag()
    repo = _git_url(sub.source)
    if repo is None:
        return None  # a folder without git: no versions
    try:
        out = subprocess.run(
            ["git", "ls-remote", "--tags", "--refs", "--", repo],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise MlopsStacksError(
            f"cannot list the versions of {sub.source}: {getattr(exc, 'stderr', '') or exc}",
            hint="Check the network and the template source.",
        ) from None
    tags = [line.split("refs/tags/", 1)[1] for line in out.splitlines() if "refs/tags/" in line]
    tags = [t for t in tags if _version_key(t)[0] == 1]
    return max(tags, key=_version_key) if tags else None


def check_for_update(project_dir: Path) -> CheckResult:
    sub = locate_subproject(project_dir)
    current = sub.answers.get("_commit")
    return CheckResult(
        project_dir=sub.folder,
        source=sub.source,
        current=str(current) if current else None,
        latest=latest_version(sub),
    )
