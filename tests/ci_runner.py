"""Run generated CI pipelines here, step by step, as a runner would (a test helper).

``github_jobs``, ``azure_jobs`` and ``gitlab_jobs`` read a generated pipeline file
into ``Job``s of shell ``Step``s; ``run_job`` runs them in order in the checkout.
What each platform does is followed closely where it matters:

- GitHub Actions: ``run:`` steps with ``bash -eo pipefail``; ``env`` of the workflow,
  the job and the step; ``defaults.run.working-directory`` and the step's own;
  ``${{ }}`` expressions (``secrets``, ``vars``, ``github``, ``inputs``, ``env``)
  and job ``if:`` conditions evaluated with test values; ``needs`` order.
- Azure DevOps: ``script``/``bash`` steps (bash without ``-e``: the last command's
  exit code counts); ``$(name)`` macros from pipeline variables, variable groups
  (test values) and predefined variables; ``workingDirectory``, step ``env``;
  stage ``condition``s; jobs and deployment jobs (``runOnce``).
- GitLab CI: ``before_script`` + ``script`` lines with ``set -eo pipefail``,
  ``extends``, job ``variables`` expanded from the CI/CD variables, ``rules:
  - if:`` with ``$VAR == "..."``, ``&&`` and ``||`` (``changes`` count as
  changed), ``stages`` order.

Actions and tasks that only prepare the machine (``actions/checkout``,
``actions/setup-python``, ``checkout: self``, ``UsePythonVersion``) are no-ops:
the checkout is already there and the test's Python is on ``PATH``. Any other
action or task is refused by name. A failing step raises ``StepFailed`` naming
the pipeline file, the job and the step.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NO_OP_ACTIONS = ("actions/checkout", "actions/setup-python")
NO_OP_TASKS = ("UsePythonVersion",)


class StepFailed(AssertionError):
    """A step exited non-zero (or could not run): names the file, job and step."""


@dataclass
class Step:
    name: str
    script: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "."  # relative to the checkout, or absolute
    shell: tuple[str, ...] = ("bash", "--noprofile", "--norc", "-eo", "pipefail")
    refused: str = ""  # an action or task this runner does not stand in for


@dataclass
class Job:
    pipeline: str  # file, relative to the checkout
    name: str
    steps: list[Step]


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads GitHub's `on:` as true
        data["on"] = data.pop(True)
    return data


# -- expressions ---------------------------------------------------------------

_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"[^\"]*\"|[A-Za-z_][\w.\-]*(?:\[[^\]]+\])*|==|!=|&&|\|\||!|\(|\)|,|\S"
)


def _lookup(context: Mapping[str, Any], dotted: str) -> Any:
    value: Any = context
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part, value.get(part.lower(), ""))
    return value


def evaluate(expression: str, context: Mapping[str, Any],
             functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """A GitHub/Azure expression over ``context`` (dotted names), ``==``, ``!=``, ``&&``,
    ``||``, ``!``, string literals and ``functions`` (Azure: ``eq(a, b)``, ``and(...)``)."""
    functions = {k.lower(): v for k, v in (functions or {}).items()}
    out: list[str] = []
    values: list[Any] = []
    tokens = _TOKEN.findall(expression)
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok in ("&&", "||"):
            out.append(" and " if tok == "&&" else " or ")
        elif tok == "!":
            out.append(" not ")
        elif tok in ("==", "!=", "(", ")", ","):
            out.append(tok)
        elif tok[0] in "'\"":
            values.append(tok[1:-1].replace("''", "'"))
            out.append(f"_v[{len(values) - 1}]")
        elif nxt == "(" and tok.lower() in functions:
            out.append(f"_f[{tok.lower()!r}]")
        elif tok in ("true", "false"):
            out.append(str(tok == "true"))
        else:
            index = re.fullmatch(r"([\w.\-]+)\['([^']+)'\]", tok)
            if index:  # variables['Build.SourceBranch']
                mapping = _lookup(context, index.group(1))
                values.append(mapping.get(index.group(2), "") if isinstance(mapping, Mapping)
                              else "")
            else:
                values.append(_lookup(context, tok))
            out.append(f"_v[{len(values) - 1}]")
    return eval("".join(out), {"__builtins__": {}}, {"_v": values, "_f": functions})  # noqa: S307


def substitute(text: str, context: Mapping[str, Any]) -> str:
    """``${{ expr }}`` replaced by its value (GitHub)."""
    def one(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), context)
        return "" if value is None else str(value)

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, text)


# -- GitHub Actions --------------------------------------------------------------

def github_jobs(checkout: Path, workflow: str, context: Mapping[str, Any]) -> list[Job]:
    """The jobs of a GitHub workflow that run for ``context`` (``github.event_name``...),
    in ``needs`` order; ``context`` also holds ``secrets``, ``vars`` and ``inputs``."""
    data = _load(checkout / workflow)
    defaults = (data.get("defaults") or {}).get("run") or {}
    wf_env = {k: substitute(str(v), context) for k, v in (data.get("env") or {}).items()}
    ordered: list[str] = []

    def visit(key: str) -> None:
        if key in ordered:
            return
        needs = data["jobs"][key].get("needs") or []
        for need in [needs] if isinstance(needs, str) else needs:
            visit(need)
        ordered.append(key)

    for key in data["jobs"]:
        visit(key)
    jobs = []
    for key in ordered:
        spec = data["jobs"][key]
        condition = spec.get("if")
        if condition is not None and not evaluate(
                str(condition).removeprefix("${{").removesuffix("}}"), context):
            continue
        job_defaults = {**defaults, **((spec.get("defaults") or {}).get("run") or {})}
        env = {**wf_env}
        env.update({k: substitute(str(v), {**context, "env": env})
                    for k, v in (spec.get("env") or {}).items()})
        steps = []
        for i, step in enumerate(spec.get("steps") or []):
            name = step.get("name") or step.get("uses") or f"step {i + 1}"
            step_env = {**env}
            step_env.update({k: substitute(str(v), {**context, "env": step_env})
                             for k, v in (step.get("env") or {}).items()})
            uses = str(step.get("uses") or "")
            if uses:
                if not uses.startswith(NO_OP_ACTIONS):
                    steps.append(Step(name, "", refused=f"the action {uses}"))
                continue
            cwd = step.get("working-directory") or job_defaults.get("working-directory") or "."
            steps.append(Step(name, substitute(str(step["run"]), {**context, "env": step_env}),
                              step_env, substitute(str(cwd), context)))
        jobs.append(Job(workflow, spec.get("name") or key, steps))
    return jobs


# -- Azure DevOps ----------------------------------------------------------------

def _macros(text: str, variables: Mapping[str, str]) -> str:
    """``$(name)`` macros replaced (unknown ones stay, as Azure leaves them)."""
    lookup = {k.lower(): v for k, v in variables.items()}
    for _ in range(5):  # macros in values are expanded too
        text = re.sub(r"\$\(([\w.]+)\)", lambda m: lookup.get(m.group(1).lower(), m.group(0)),
                      text)
    return text


def _azure_vars(block: Any, groups: Mapping[str, Mapping[str, str]]) -> tuple[dict, dict]:
    """(plain variables, secret variables of the groups) of a ``variables:`` block."""
    plain: dict[str, str] = {}
    secret: dict[str, str] = {}
    items = block.items() if isinstance(block, dict) else []
    for item in block if isinstance(block, list) else []:
        if "group" in item:
            secret.update(groups[item["group"]])
        else:
            plain[item["name"]] = str(item["value"])
    plain.update({k: str(v) for k, v in items})
    return plain, secret


def azure_jobs(checkout: Path, pipeline: str, predefined: Mapping[str, str],
               groups: Mapping[str, Mapping[str, str]]) -> list[Job]:
    """The jobs of an Azure DevOps pipeline whose stage ``condition`` holds, in order.

    ``predefined``: Build.SourceBranch and the like (Build.SourcesDirectory is the
    checkout); ``groups``: variable group name -> its (secret) variables."""
    data = _load(checkout / pipeline)
    predefined = {"Build.SourcesDirectory": str(checkout), **predefined}
    top_plain, top_secret = _azure_vars(data.get("variables"), groups)
    jobs = []
    for stage in data.get("stages") or [{"stage": "__default", "jobs": data.get("jobs")}]:
        plain, secret = _azure_vars(stage.get("variables"), groups)
        variables = {**predefined, **top_plain, **plain}
        everything = {**variables, **top_secret, **secret}
        condition = stage.get("condition")
        if condition and not evaluate(str(condition), {"variables": variables}, _AZURE_FUNCTIONS):
            continue
        for job in stage.get("jobs") or []:
            raw = job.get("steps")
            if raw is None:  # a deployment job
                raw = job["strategy"]["runOnce"]["deploy"]["steps"]
            # Azure gives non-secret variables to scripts as environment variables.
            base_env = {k.upper().replace(".", "_"): _macros(v, everything)
                        for k, v in variables.items()}
            steps = []
            for i, step in enumerate(raw):
                name = step.get("displayName") or f"step {i + 1}"
                if "checkout" in step:
                    continue
                if "task" in step:
                    if not str(step["task"]).startswith(NO_OP_TASKS):
                        steps.append(Step(name, "", refused=f"the task {step['task']}"))
                    continue
                body = step.get("script", step.get("bash"))
                if body is None:
                    steps.append(Step(name, "", refused=f"the step {sorted(step)}"))
                    continue
                env = {**base_env, **{k: _macros(str(v), everything)
                                      for k, v in (step.get("env") or {}).items()}}
                cwd = _macros(str(step.get("workingDirectory") or checkout), everything)
                steps.append(Step(name, _macros(str(body), everything), env, cwd,
                                  shell=("bash", "--noprofile", "--norc")))
            label = f"{stage.get('stage')}/{job.get('job') or job.get('deployment')}"
            jobs.append(Job(pipeline, label, steps))
    return jobs


def _az_eq(a: Any, b: Any) -> bool:
    return str(a).lower() == str(b).lower()


_AZURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "and": lambda *a: all(a), "or": lambda *a: any(a), "not": lambda a: not a,
    "eq": _az_eq, "ne": lambda a, b: not _az_eq(a, b), "succeeded": lambda: True,
    "always": lambda: True, "startswith": lambda a, b: str(a).lower().startswith(str(b).lower()),
}


# -- GitLab CI -------------------------------------------------------------------

_GITLAB_KEYWORDS = {"stages", "workflow", "include", "variables", "default", "image",
                    "services", "before_script", "after_script", "cache"}


def _gitlab_files(checkout: Path, root_file: str) -> list[Path]:
    root = _load(checkout / root_file)
    files = [checkout / root_file]
    includes = root.get("include") or []
    for inc in [includes] if isinstance(includes, (str, dict)) else includes:
        pattern = inc["local"] if isinstance(inc, dict) else inc
        files += sorted(checkout.glob(pattern.lstrip("/")))
    return files


def _extends(jobs: Mapping[str, dict], spec: dict) -> dict:
    parents = spec.get("extends") or []
    merged: dict = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged.update(_extends(jobs, jobs[parent]))
    for key, value in spec.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _gitlab_if(condition: str, variables: Mapping[str, str]) -> bool:
    expression = re.sub(r"\$(\w+)", lambda m: f"v.{m.group(1)}", condition)
    return bool(evaluate(expression, {"v": dict(variables)}))


def _expand(text: str, variables: Mapping[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), text)


def gitlab_jobs(checkout: Path, variables: Mapping[str, str],
                root_file: str = ".gitlab-ci.yml") -> list[Job]:
    """The jobs whose ``rules`` run for ``variables`` (CI_PIPELINE_SOURCE, CI_COMMIT_BRANCH,
    and the CI/CD variables), in ``stages`` order, with their ``needs`` first."""
    files = _gitlab_files(checkout, root_file)
    raw: dict[str, tuple[str, dict]] = {}
    stages: list[str] = []
    for file in files:
        data = _load(file)
        stages += data.get("stages") or []
        for key, spec in data.items():
            if key not in _GITLAB_KEYWORDS and isinstance(spec, dict):
                raw[key] = (str(file.relative_to(checkout)), spec)
    specs = {k: s for k, (_, s) in raw.items()}
    variables = {"CI_PROJECT_DIR": str(checkout), **variables}
    chosen = []
    for key, (file, spec) in raw.items():
        if key.startswith("."):
            continue
        job = _extends(specs, spec)
        rules = job.get("rules")
        if rules is not None and not any(
                rule.get("when") != "never" and _gitlab_if(str(rule.get("if", "true")), variables)
                for rule in rules):
            continue
        chosen.append((stages.index(job.get("stage", "test")), key, file, job))
    jobs = []
    for _, key, file, job in sorted(chosen, key=lambda c: c[0]):
        env = {k: _expand(str(v), variables) for k, v in (job.get("variables") or {}).items()}
        env = {**variables, **env}
        lines = [*(job.get("before_script") or []), *(job.get("script") or [])]
        steps = [Step(f"script: {line}", str(line), env, str(checkout)) for line in lines]
        jobs.append(Job(file, key, _one_shell(steps)))
    return jobs


def _one_shell(steps: list[Step]) -> list[Step]:
    """GitLab runs a job's lines in one shell (a `cd` carries over): join them, keeping
    each line's name for failures through a trap."""
    if not steps:
        return []
    lines = []
    for i, step in enumerate(steps):
        lines.append(f"echo {i} > \"$MLOPS_STEP_FILE\"")
        lines.append(step.script)
    return [Step("\n".join(s.name for s in steps), "\n".join(lines), steps[0].env, steps[0].cwd)]


# -- running ---------------------------------------------------------------------

def run_job(job: Job, checkout: Path, base_env: Mapping[str, str], timeout: int = 900,
            log: Callable[[str], None] | None = None) -> None:
    """Run ``job``'s steps in order in ``checkout``; ``StepFailed`` names the failing one."""
    for step in job.steps:
        where = f"{job.pipeline}: job {job.name!r}: step {step.name.splitlines()[0]!r}"
        if step.refused:
            raise StepFailed(f"{where}: this runner does not run {step.refused}")
        cwd = Path(step.cwd) if Path(step.cwd).is_absolute() else checkout / step.cwd
        with tempfile.TemporaryDirectory() as tmp:
            marker = Path(tmp) / "step"
            script = Path(tmp) / "step.sh"
            script.write_text(step.script + "\n")
            env = {**base_env, **step.env, "MLOPS_STEP_FILE": str(marker)}
            try:
                result = subprocess.run([*step.shell, str(script)], cwd=cwd, env=env,
                                        capture_output=True, text=True, timeout=timeout)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise StepFailed(f"{where}: {exc}") from None
            if log is not None:
                log(f"== {where}\n{result.stdout}{result.stderr}")
            if result.returncode != 0:
                if marker.exists():  # GitLab: which line of the job failed
                    line = step.name.splitlines()[int(marker.read_text().strip())]
                    where = f"{job.pipeline}: job {job.name!r}: step {line!r}"
                tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
                raise StepFailed(f"{where} exited {result.returncode}:\n{tail}")


def run_jobs(jobs: Iterable[Job], checkout: Path, base_env: Mapping[str, str]) -> list[str]:
    """Run every job; returns the names run (in order)."""
    names = []
    for job in jobs:
        run_job(job, checkout, base_env)
        names.append(f"{job.pipeline}: {job.name}")
    return names
