"""The CI/CD picture of a generated repository: platform, cloud, and one ``Deployer`` per
set of credentials its pipelines use.

Read from the repository itself: ``.copier-answers.yml`` (``cicd_platform``,
``cloud``, ``project_name``), the pipeline files (``pipelines.read_jobs``: which
secrets each job maps and which targets it deploys) and each project's bundle
(``needs``: the target's host, deploy root, folders and Unity Catalog schemas).

Jobs that map the same secrets share a ``Deployer``: in a generated repository the
staging deploy and the integration test (``-t test``) both use the ``STAGING_*``
secrets, so one service principal serves the ``staging`` and ``test`` targets.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_stacks.cicd.pipelines import CredentialJob, read_jobs
from mlops_stacks.errors import ConfigError
from mlops_stacks.jsontypes import JsonObject

ANSWERS_FILE = ".copier-answers.yml"
CLOUDS = ("aws", "azure", "gcp")


@dataclass(frozen=True)
class StoredSecret:
    """A secret the pipelines read, and where the platform keeps it."""

    name: str
    env_var: str
    scope: str | None
    """GitHub/GitLab: the environment it belongs to (None: repository/project-wide);
    Azure DevOps: the variable group."""
    jobs: tuple[str, ...]
    """``file (job X)`` of every job that reads it."""
    reference: str


@dataclass(frozen=True)
class TargetUse:
    """A bundle target deployed with a deployer's credentials."""

    project: str
    """The project folder, relative to the repository root."""
    target: str
    host: str
    host_where: str
    """Where the host is set: ``demo/databricks.yml (targets.staging.workspace.host)``."""


@dataclass
class Deployer:
    """One CI identity: a service principal and the secrets its jobs read."""

    name: str
    """Its environment: ``staging``, ``prod``."""
    secrets: list[StoredSecret]
    uses: list[TargetUse] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return sorted({u.host for u in self.uses})

    @property
    def targets(self) -> list[str]:
        return sorted({u.target for u in self.uses})


@dataclass
class Repository:
    root: Path
    platform: str
    cloud: str
    name: str
    deployers: list[Deployer]

    def principal_name(self, deployer: Deployer) -> str:
        """The service principal's display name (how setup finds it again)."""
        return f"{self.name}-{deployer.name}-deployer"

    def deployer_for(self, target: str, project: str | None = None) -> Deployer | None:
        for deployer in self.deployers:
            for use in deployer.uses:
                if use.target == target and (project is None or use.project == project):
                    return deployer
        return None


def profile_for(profiles: dict[str, str], environment: str) -> str | None:
    """The ~/.databrickscfg profile for an environment's workspace: ``profiles[environment]``,
    else ``profiles[""]`` (a profile for all), else None (environment variables, or the one
    profile whose host is the workspace's)."""
    return profiles.get(environment) or profiles.get("") or None


def parse_profiles(values: list[str] | None) -> dict[str, str]:
    """``-p NAME`` (every environment) and ``-p ENV=NAME`` (one) as a mapping."""
    out: dict[str, str] = {}
    for value in values or []:
        env, sep, name = value.partition("=")
        out[env.strip() if sep else ""] = (name if sep else env).strip()
    return out


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder up from ``start`` whose answers file has
    ``cicd_platform`` (a generated repository with CI/CD)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        answers = folder / ANSWERS_FILE
        if answers.is_file() and "cicd_platform" in _answers(answers):
            return folder
    raise ConfigError(
        f"No repository with CI/CD found at or above {here}.",
        hint="Run this in a repository made by `mlops-stacks init` with setup "
        "project_and_cicd or cicd_only (its .copier-answers.yml names cicd_platform).",
    )


def _answers(path: Path) -> JsonObject:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"Cannot read {path}: {err}",
                          hint="Fix the answers file or regenerate the project.") from None
    return data if isinstance(data, dict) else {}


def read_repository(start: Path | None = None) -> Repository:
    """The repository around ``start`` (default: the working directory) and its deployers."""
    root = find_root(start)
    answers = _answers(root / ANSWERS_FILE)
    platform = str(answers.get("cicd_platform"))
    cloud = str(answers.get("cloud") or "")
    if cloud not in CLOUDS:
        raise ConfigError(f"{root / ANSWERS_FILE}: cloud is {cloud!r}.",
                          hint=f"cloud is one of {', '.join(CLOUDS)}.")  # fmt: skip
    name = str(answers.get("project_name") or root.name)
    jobs = read_jobs(root, platform)
    projects = sorted(p.parent.name for p in root.glob("*/databricks.yml"))
    deployers = _group(jobs)
    for deployer in deployers:
        seen: set[tuple[str, str]] = set()
        for job in (j for j in jobs if _key(j) == _key_of(deployer)):
            project = _project_of(job, projects)
            if project is None:
                continue
            for target in job.targets:
                if (project, target) not in seen:
                    seen.add((project, target))
                    deployer.uses.append(_use(root, project, target))
    return Repository(root, platform, cloud, name, deployers)


def _key(job: CredentialJob) -> frozenset[str]:
    return frozenset(s.name for s in job.secrets)


def _key_of(deployer: Deployer) -> frozenset[str]:
    return frozenset(s.name for s in deployer.secrets)


def _group(jobs: list[CredentialJob]) -> list[Deployer]:
    groups: dict[frozenset[str], list[CredentialJob]] = {}
    for job in jobs:
        groups.setdefault(_key(job), []).append(job)
    out = []
    for key, members in groups.items():
        named = sorted({j.environment for j in members if j.environment})
        label = named[0] if named else sorted(key)[0].split("_", 1)[0].lower()
        # A secret read by a job outside the environment must live outside it too.
        scopes = {j.scope for j in members}
        scope = scopes.pop() if len(scopes) == 1 else None
        secrets = []
        for name in sorted(key):
            use = next(s for j in members for s in j.secrets if s.name == name)
            secrets.append(StoredSecret(
                name, use.env_var, scope, tuple(j.where for j in members), use.reference,
            ))  # fmt: skip
        out.append(Deployer(label, secrets))
    return sorted(out, key=lambda d: (d.name != "staging", d.name))


def _project_of(job: CredentialJob, projects: list[str]) -> str | None:
    if job.project_dir:
        last = job.project_dir.rstrip("/").rsplit("/", 1)[-1]
        if last in projects:
            return last
    stem = Path(job.file).name
    for project in sorted(projects, key=len, reverse=True):
        if stem.startswith(project + "-"):
            return project
    return projects[0] if len(projects) == 1 else None


def _use(root: Path, project: str, target: str) -> TargetUse:
    """The host of ``target`` as the project's bundle files set it (no variables involved)."""
    bundle = load_for(root / project, target, None)
    where = f"{project}/databricks.yml (targets.{target}.workspace.host)"
    return TargetUse(project, target, bundle.host, where)


def load_for(project_dir: Path, target: str, user: str | None) -> Any:
    """The project's bundle for ``target``, deployed as ``user`` (a principal's user name)."""
    from mlops_stacks.bundle import load_bundle

    current = {"userName": user} if user else None
    bundle, diags = load_bundle(project_dir, target=target, current_user=current, env={})
    if bundle is None:
        first = next(iter(diags.errors), None)
        raise ConfigError(
            f"The bundle in {project_dir} does not load for target {target}"
            + (f": {first.summary}" if first else "."),
            diags, hint=f"Run `mlops-stacks validate -t {target}` in {project_dir} and fix it.",
        )  # fmt: skip
    return bundle


@dataclass(frozen=True)
class Needs:
    """What deploying one target needs in its workspace."""

    root_path: str
    folders: tuple[str, ...]
    """Workspace folders the deploy writes to (the deploy root, experiment folders)."""
    catalogs: tuple[str, ...]
    schemas: tuple[str, ...]
    """Unity Catalog schemas (``catalog.schema``) the bundle registers models in."""


def needs(root: Path, use: TargetUse, user: str | None) -> Needs:
    bundle = load_for(root / use.project, use.target, user)
    root_path = _plain_path(str(bundle.workspace.get("root_path") or ""))
    folders = [root_path] if root_path else []
    for spec in bundle.resources("experiments").values():
        parent = posixpath.dirname(_plain_path(str(spec.get("name") or "")))
        if parent and parent != "/" and parent not in folders:
            folders.append(parent)
    schemas: list[str] = []
    for spec in bundle.resources("registered_models").values():
        catalog, schema = spec.get("catalog_name"), spec.get("schema_name")
        if catalog and schema and f"{catalog}.{schema}" not in schemas:
            schemas.append(f"{catalog}.{schema}")
    catalogs = tuple(dict.fromkeys(s.split(".", 1)[0] for s in schemas))
    return Needs(root_path, tuple(folders), catalogs, tuple(schemas))


def _plain_path(path: str) -> str:
    """``/Workspace/Shared/x`` and ``/Shared/x`` name the same folder; keep the short form."""
    if path.startswith("/Workspace/"):
        path = path[len("/Workspace"):]
    return path.rstrip("/")


__all__ = [
    "Deployer", "Needs", "Repository", "StoredSecret", "TargetUse", "find_root", "load_for",
    "needs", "parse_profiles", "profile_for", "read_repository",
]  # fmt: skip
