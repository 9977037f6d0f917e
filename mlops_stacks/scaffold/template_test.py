"""``test_template(options) -> TemplateTestResult``: render a template many ways and check it.

The answer combinations come from the template's own questions: every question
with choices or a yes/no answer. ``all_combinations`` walks every distinct
combination (a question that does not apply, by its ``when``, is not varied);
the default is a sample: the defaults, plus each other value of each question
once. Every render is checked with ``checks``: no template markers left, YAML
parses, each bundle validates for every target, and CI files pass actionlint
and their vendor's schema. ``slow`` also runs, for each distinct bundle, the
project's own tests, a deploy to the local workspace and a run of one job.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.jsontypes import JsonObject, JsonValue
from mlops_stacks.scaffold import checks, trust
from mlops_stacks.scaffold.answers import Given
from mlops_stacks.scaffold.questionnaire import Questionnaire, choice_values, require_complete
from mlops_stacks.scaffold.source import locate_template


@dataclass
class TemplateTestOptions:
    template: str | None = None  # None: the built-in template
    all_combinations: bool = False
    vcs_ref: str | None = None  # None: a local folder as it is now (uncommitted changes too)
    trust: bool = False
    slow: bool = False  # also each project's own tests, a local deploy and a job run
    job: str = "model_training_job"  # the job --slow runs (when the bundle defines it)
    data: JsonObject = field(default_factory=dict)  # answers every combination takes
    allow_skip: bool = False  # a skipped check (a tool not installed) does not fail the test
    progress: Callable[[str], None] | None = None  # told each step as it starts and ends


@dataclass
class CheckRow:
    check: str
    status: str  # passed, failed or skipped
    problems: list[str] = field(default_factory=list)


@dataclass
class TemplateTestResult:
    template: str
    combinations: list[JsonObject]
    rows: list[CheckRow]
    allow_skip: bool = False

    @property
    def skipped(self) -> list[CheckRow]:
        return [row for row in self.rows if row.status == "skipped"]

    @property
    def ok(self) -> bool:
        """No check failed, and none was skipped (unless skips are allowed)."""
        return all(row.status != "failed" for row in self.rows) and (
            self.allow_skip or not self.skipped)


def combinations(
    questionnaire: Questionnaire, all_combinations: bool, data: JsonObject | None = None
) -> list[JsonObject]:
    """Answer combinations to render (each a dict of the varied answers).

    The varied questions are those with choices and the booleans, except the
    ones ``data`` answers; each combination is walked as copier walks it, so a
    question only varies where its ``when`` lets it apply.
    """
    fixed = {k: Given(v) for k, v in (data or {}).items()}

    def walk(combo: JsonObject) -> tuple[JsonObject, JsonObject]:
        given = {**fixed, **{k: Given(v, "api") for k, v in combo.items()}}
        result = questionnaire.resolve(given, defaults=True)
        require_complete(result, defaults=True)
        return {**result.computed, **result.answers}, result.answers

    def values(name: str, context: JsonObject) -> list[JsonValue]:
        q = questionnaire.question(name, context)
        if q.choices:
            return choice_values(q)
        return [False, True] if q.get_type_name() == "bool" else []

    context, _ = walk({})
    varied = [n for n in questionnaire.askable if n not in fixed and values(n, context)]
    if not all_combinations:
        sample: list[JsonObject] = [{}]
        for name in varied:
            sample.extend({name: v} for v in values(name, context) if v != context.get(name))
        return sample
    combos: list[JsonObject] = [{}]
    for name in varied:
        grown = []
        for combo in combos:
            ctx, answers = walk(combo)
            if name not in answers:
                grown.append(combo)
                continue
            grown.extend({**combo, name: v} for v in values(name, ctx))
        combos = grown
    return combos


def _combo_id(index: int, combo: JsonObject) -> str:
    parts = [f"{k}={v}" for k, v in combo.items()] or ["defaults"]
    return f"{index:03d} " + ", ".join(parts)


def _render_one(job: tuple[str, str, JsonObject, str | None, bool]) -> str:
    src, dest, data, vcs_ref, trust = job
    from copier import run_copy

    try:
        run_copy(src, dest, data=data, vcs_ref=vcs_ref, defaults=True, quiet=True, unsafe=trust)
    except Exception as exc:  # copier's errors do not all survive the trip between processes
        raise RuntimeError(str(exc) or type(exc).__name__) from None
    return dest


def _render_all(src: str, base: Path, combos: list[JsonObject], vcs_ref: str | None,
                trust: bool, data: JsonObject) -> dict[str, Path]:
    jobs = [(src, str(base / f"c{i:03d}"), {**data, **c}, vcs_ref, trust)
            for i, c in enumerate(combos)]
    workers = max(1, min(4, os.cpu_count() or 1, len(jobs)))
    try:
        if workers == 1:
            done = [_render_one(job) for job in jobs]
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                done = list(pool.map(_render_one, jobs))
    except Exception as exc:  # copier, Jinja and YAML failures of the template under test
        lines = str(exc).strip().splitlines()
        raise MlopsStacksError(
            f"the template did not render: {lines[0] if lines else type(exc).__name__}",
            hint="Fix the template, or run with --debug for the traceback.",
        ) from exc
    return {_combo_id(i, c): Path(d) for i, (c, d) in enumerate(zip(combos, done, strict=True))}


def _unique(dirs: dict[str, Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for root in dirs.values():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts):
            seen.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return sorted(seen.values())


def _bundle_roots(dirs: dict[str, Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for root in dirs.values():
        for config in sorted(root.rglob("databricks.yml")):
            bundle = config.parent
            files = sorted(p for p in bundle.rglob("*") if p.is_file())
            digest = hashlib.sha256(
                b"".join(str(p.relative_to(bundle)).encode() + b"\0" + p.read_bytes()
                         for p in files)
            ).hexdigest()
            seen.setdefault(digest, bundle)
    return list(seen.values())


Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    return None


def _row(name: str, run: Any, progress: Progress = _quiet) -> CheckRow:
    progress(f"{name}: checking")
    try:
        problems = run()
    except checks.ToolMissing as missing:
        row = CheckRow(name, "skipped", [f"{missing} is not installed"])
    else:
        row = CheckRow(name, "failed" if problems else "passed", problems)
    progress(f"{name}: {row.status}")
    return row


def _job_keys(bundle: Path) -> set[str]:
    import yaml

    keys: set[str] = set()
    for path in [bundle / "databricks.yml", *sorted(bundle.rglob("resources/*.yml"))]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        jobs = (data.get("resources") or {}).get("jobs") if isinstance(data, dict) else None
        if isinstance(jobs, dict):
            keys |= set(jobs)
    return keys


def _command(args: list[str], cwd: Path, what: str) -> list[str]:
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=1800
        )
    except subprocess.TimeoutExpired:
        return [f"{cwd}: {what} took longer than 30 minutes"]
    if done.returncode == 0:
        return []
    tail = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()][-3:]
    return [f"{cwd}: {what} failed (exit {done.returncode}): {' | '.join(tail)[:400]}"]


def slow_problems(bundle: Path, job: str, progress: Progress = _quiet) -> list[str]:
    """The project's own tests, then a deploy to the local workspace and a run of ``job``."""
    problems: list[str] = []
    if (bundle / "tests").is_dir():
        progress(f"  {bundle.name}: its tests")
        problems += _command(
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], bundle, "its tests"
        )
    progress(f"  {bundle.name}: deploy")
    deploy = _command(["-m", "mlops_stacks", "deploy", "--auto-approve"], bundle, "deploy")
    problems += deploy
    if not deploy and job in _job_keys(bundle):
        progress(f"  {bundle.name}: run {job}")
        problems += _command(["-m", "mlops_stacks", "run", "--", job], bundle, f"run {job}")
    return problems


def run_checks(dirs: dict[str, Path], *, slow: bool = False,
               job: str = "model_training_job", verbatim: set[str] | None = None,
               progress: Progress = _quiet) -> list[CheckRow]:
    """The checks over rendered folders; ``verbatim``: see ``checks.verbatim_digests``."""
    files = _unique(dirs)
    yamls = [p for p in files if p.suffix in (".yml", ".yaml")]

    def ci(top: str) -> list[Path]:
        return [p for p in yamls if any(part == top for part in p.parts)]

    # GitHub runs only .github/workflows/*.yml; FUNDING.yml, issue forms ... are not workflows.
    github = [p for p in ci(".github") if p.parent.name == "workflows"]
    gitlab = ci(".gitlab") + [p for p in yamls if p.name == ".gitlab-ci.yml"]
    bundles = _bundle_roots(dirs)
    steps: list[tuple[str, Callable[[], list[str]]]] = [
        ("no template markers left", lambda: checks.leftover_markers(files, verbatim)),
        ("YAML parses", lambda: checks.yaml_errors(yamls)),
        (f"bundles validate ({len(bundles)} distinct, every target)",
         lambda: [p for b in bundles for p in checks.bundle_problems(b)]),
        ("GitHub workflows: actionlint", lambda: checks.actionlint_problems(github)),
        ("GitHub workflows: schema", lambda: checks.schema_problems("github", github)),
        ("Azure pipelines: schema", lambda: checks.schema_problems("azure", ci(".azure"))),
        ("GitLab CI: schema", lambda: checks.schema_problems("gitlab", gitlab)),
    ]
    if slow:
        steps.append((f"project tests, local deploy, run {job}",
                      lambda: [p for b in bundles for p in slow_problems(b, job, progress)]))
    rows = [_row(name, run, progress) for name, run in steps]
    return rows


def test_template(options: TemplateTestOptions) -> TemplateTestResult:
    source = locate_template(options.template, vcs_ref=options.vcs_ref)
    vcs_ref = options.vcs_ref
    if vcs_ref is None and not source.builtin and (Path(source.src) / ".git").exists():
        vcs_ref = "HEAD"  # a local git template as it is now, uncommitted changes included
    trusted = options.trust or source.builtin
    questionnaire = Questionnaire.read(source.src, vcs_ref=vcs_ref, trusted=trusted)
    if not trusted:
        trust.refuse_untrusted_settings(questionnaire.settings, source.src)
    combos = combinations(questionnaire, options.all_combinations, options.data)
    progress = options.progress or _quiet
    with tempfile.TemporaryDirectory(prefix="mlops-stacks-template-test-") as tmp:
        progress(f"rendering {len(combos)} answer combinations")
        dirs = _render_all(source.src, Path(tmp), combos, vcs_ref, trusted, options.data)
        template = questionnaire.worker.template
        verbatim = checks.verbatim_digests(
            Path(template.local_abspath) / template.subdirectory, template.templates_suffix
        )
        rows = run_checks(dirs, slow=options.slow, job=options.job, verbatim=verbatim,
                          progress=progress)
        base = str(Path(tmp).resolve())
        ids = {str(d.resolve()): cid for cid, d in dirs.items()}
        for row in rows:
            row.problems = [_readable(p, base, ids) for p in row.problems]
    return TemplateTestResult(template=options.template or "built-in", combinations=combos,
                              rows=rows, allow_skip=options.allow_skip)


def _readable(problem: str, base: str, ids: dict[str, str]) -> str:
    """``<tmp>/c003/x.yml: ...`` -> ``[003 setup=cicd_only] x.yml: ...``."""
    for folder, cid in ids.items():
        if folder in problem:
            return f"[{cid}] " + problem.replace(folder + "/", "").replace(folder, ".")
    return problem.replace(base, "<renders>")


test_template.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
