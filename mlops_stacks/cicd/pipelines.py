"""Which credentials a repository's CI pipelines read, taken from the pipeline files themselves.

The generated pipelines are the one source of the secret names: a deploy job maps
each secret onto the environment variable Databricks unified authentication reads
(``DATABRICKS_TOKEN: ${{ secrets.STAGING_DATABRICKS_TOKEN }}`` on GitHub Actions,
``$(STAGING_DATABRICKS_TOKEN)`` on Azure DevOps, ``$STAGING_DATABRICKS_TOKEN`` on
GitLab) and runs ``mlops-stacks ... -t <target>``. ``read_jobs`` returns one
``CredentialJob`` per such job: where it is (file and job), the secrets it maps,
the bundle targets it deploys, and the scope its secrets live in (the GitHub or
GitLab environment of the job, the Azure DevOps variable group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.errors import ConfigError
from mlops_stacks.jsontypes import JsonObject, JsonValue

#: The platform's pipeline files, relative to the repository root.
PIPELINE_GLOBS: dict[str, tuple[str, ...]] = {
    "github_actions": (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    "azure_devops": (".azure/devops-pipelines/*.yml", ".azure/devops-pipelines/*.yaml"),
    "gitlab": (".gitlab-ci.yml", ".gitlab/pipelines/*.yml", ".gitlab/pipelines/*.yaml"),
}

_REFERENCE = {
    "github_actions": re.compile(r"^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$"),
    "azure_devops": re.compile(r"^\$\(([A-Za-z_][A-Za-z0-9_.]*)\)$"),
    "gitlab": re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$"),
}
_TARGET = re.compile(r"\bmlops-stacks\s+(?:[^\n;&|]*\s)?(?:-t|--target)[\s=]+([A-Za-z0-9_-]+)")
_CD = re.compile(r"^\s*cd\s+([^\s;&|]+)")


@dataclass(frozen=True)
class SecretUse:
    """One secret a job maps onto an environment variable."""

    name: str
    """The secret's (or secret variable's) name in the CI platform: ``STAGING_DATABRICKS_TOKEN``."""
    env_var: str
    """The variable the job gives it to mlops-stacks as: ``DATABRICKS_TOKEN``."""
    reference: str
    """The text that maps it in the pipeline file: ``${{ secrets.STAGING_DATABRICKS_TOKEN }}``."""


@dataclass(frozen=True)
class CredentialJob:
    """A pipeline job that talks to a Databricks workspace with secrets."""

    file: str
    """The pipeline file, relative to the repository root."""
    job: str
    secrets: tuple[SecretUse, ...]
    targets: tuple[str, ...]
    """Bundle targets the job runs mlops-stacks against (``-t staging``)."""
    scope: str | None
    """Where its secrets live: GitHub/GitLab: the job's environment (None: none); Azure
    DevOps: its variable group."""
    environment: str | None
    project_dir: str | None
    """The folder the job runs mlops-stacks in (relative to the root), when the file says."""

    @property
    def where(self) -> str:
        return f"{self.file} (job {self.job})"


def pipeline_files(root: Path, platform: str) -> list[Path]:
    files: set[Path] = set()
    for pattern in PIPELINE_GLOBS.get(platform, ()):
        files.update(p for p in root.glob(pattern) if p.is_file())
    return sorted(files)


def read_jobs(root: Path, platform: str) -> list[CredentialJob]:
    """Every job of the platform's pipeline files that maps secrets and names a target."""
    import yaml

    if platform not in PIPELINE_GLOBS:
        raise ConfigError(
            f"Unknown CI platform {platform!r} in {root / '.copier-answers.yml'}.",
            hint=f"cicd_platform is one of {', '.join(PIPELINE_GLOBS)}.",
        )
    jobs: list[CredentialJob] = []
    for path in pipeline_files(root, platform):
        rel = path.relative_to(root).as_posix()
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ConfigError(
                f"{rel} is not valid YAML: {err}",
                hint="Fix the file (or regenerate it with `mlops-stacks update`).",
            ) from None
        if not isinstance(doc, dict):
            continue
        reader = {"github_actions": _github, "azure_devops": _azure, "gitlab": _gitlab}[platform]
        jobs.extend(j for j in reader(rel, doc) if j.secrets and j.targets)
    return jobs


def _secrets(platform: str, env: JsonValue) -> tuple[SecretUse, ...]:
    if not isinstance(env, dict):
        return ()
    pattern = _REFERENCE[platform]
    out = []
    for var, value in env.items():
        match = pattern.match(str(value).strip()) if isinstance(value, str) else None
        if match:
            out.append(SecretUse(match.group(1), str(var), value.strip()))
    return tuple(out)


def _targets(scripts: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for text in scripts:
        for target in _TARGET.findall(text):
            if target not in found:
                found.append(target)
    return tuple(found)


def _environment(value: JsonValue) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if isinstance(value, str) and value else None


def _github(rel: str, doc: JsonObject) -> list[CredentialJob]:
    out = []
    workflow_env = doc["env"] if isinstance(doc.get("env"), dict) else {}
    default_dir = ((doc.get("defaults") or {}).get("run") or {}).get("working-directory")
    for key, job in (doc.get("jobs") or {}).items():
        if not isinstance(job, dict):
            continue
        steps = [s for s in job.get("steps") or [] if isinstance(s, dict)]
        env = {**workflow_env, **(job.get("env") or {})}
        for step in steps:
            env.update(step.get("env") or {})
        job_dir = ((job.get("defaults") or {}).get("run") or {}).get("working-directory")
        out.append(CredentialJob(
            rel, str(key), _secrets("github_actions", env),
            _targets([str(s.get("run", "")) for s in steps]),
            _environment(job.get("environment")), _environment(job.get("environment")),
            job_dir or default_dir,
        ))  # fmt: skip
    return out


def _gitlab(rel: str, doc: JsonObject) -> list[CredentialJob]:
    out = []
    for key, job in doc.items():
        if not isinstance(job, dict) or "script" not in job or str(key).startswith("."):
            continue
        lines = [str(x) for part in ("before_script", "script") for x in _lines(job.get(part))]
        project = next((m.group(1) for line in lines if (m := _CD.match(line))), None)
        out.append(CredentialJob(
            rel, str(key), _secrets("gitlab", job.get("variables")), _targets(lines),
            _environment(job.get("environment")), _environment(job.get("environment")), project,
        ))  # fmt: skip
    return out


def _lines(value: JsonValue) -> list[JsonValue]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _groups(variables: JsonValue) -> list[str]:
    return [str(v["group"]) for v in _lines(variables) if isinstance(v, dict) and "group" in v]


def _azure(rel: str, doc: JsonObject) -> list[CredentialJob]:
    out = []
    top_groups = _groups(doc.get("variables"))
    stages = doc.get("stages") or [{"jobs": doc.get("jobs") or [], "variables": []}]
    for stage in stages:
        if not isinstance(stage, dict):
            continue
        stage_groups = top_groups + _groups(stage.get("variables"))
        for job in stage.get("jobs") or []:
            if not isinstance(job, dict):
                continue
            groups = stage_groups + _groups(job.get("variables"))
            deploy = ((job.get("strategy") or {}).get("runOnce") or {}).get("deploy") or {}
            steps = job.get("steps") or deploy.get("steps") or []
            steps = [s for s in steps if isinstance(s, dict)]
            env: JsonObject = {}
            for step in steps:
                env.update(step.get("env") or {})
            name = str(job.get("deployment") or job.get("job") or "job")
            project = next((str(s["workingDirectory"]) for s in steps if s.get("workingDirectory")),
                           None)  # fmt: skip
            out.append(CredentialJob(
                rel, f"{stage.get('stage', '')}.{name}".lstrip("."), _secrets("azure_devops", env),
                _targets([str(s.get("script", "")) for s in steps]),
                groups[-1] if groups else None, _environment(job.get("environment")), project,
            ))  # fmt: skip
    return out


__all__ = ["CredentialJob", "PIPELINE_GLOBS", "SecretUse", "pipeline_files", "read_jobs"]
