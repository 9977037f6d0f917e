"""``cicd setup``: one deploying service principal per CI environment, its grants, its secrets.

For each ``Deployer`` of the repository (``project.read_repository``), in its
workspace, with the user's own credentials (environment or ``--profile``):

1. find the service principal ``<repo>-<environment>-deployer`` by display name, or
   create it (on Azure with the Entra application ID given by ``--application-id``);
2. give it what the deploys need (``access.ensure_folder`` / ``ensure_grants``);
3. store each secret the pipelines read, when the platform's CLI is installed and
   logged in and the secret is not there yet; else say what to set where.

Nothing changes without ``apply``; what would change is reported all the same.
A second run finds everything in place and changes nothing. Secret values go
from the workspace's answer to the CLI's standard input and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from mlops_stacks.cicd import access, principals
from mlops_stacks.cicd.credentials import kind_of
from mlops_stacks.cicd.project import Deployer, Repository, needs, profile_for
from mlops_stacks.cicd.stores import SecretStore, store_for
from mlops_stacks.errors import MlopsStacksError

if TYPE_CHECKING:
    from mlops_stacks.workspace.databricks.auth import Connection

@dataclass
class SecretReport:
    name: str
    env_var: str
    kind: str
    where: str
    state: str
    """``present`` | ``stored`` | ``to store`` | ``by hand`` | ``waiting`` (for a step by hand)."""
    instruction: str = ""


@dataclass
class DeployerReport:
    environment: str
    targets: list[str]
    host: str
    principal: str
    application_id: str
    changes: list[str] = field(default_factory=list)
    """Changes made (``apply``) or that a run with ``--apply`` would make."""
    secrets: list[SecretReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Steps left to a person."""

    @property
    def credential_kind(self) -> str:
        return ", ".join(dict.fromkeys(s.kind for s in self.secrets)) or "none"

    @property
    def stored_where(self) -> str:
        return "; ".join(dict.fromkeys(
            s.where if s.state not in ("by hand", "waiting") else f"{s.where} ({s.state})"
            for s in self.secrets
        ))  # fmt: skip

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["credential_kind"] = self.credential_kind
        out["stored_where"] = self.stored_where
        return out


@dataclass
class Options:
    apply: bool = False
    profiles: dict[str, str] = field(default_factory=dict)
    """~/.databrickscfg profiles by environment (``""``: for every one)."""
    application_ids: dict[str, str] = field(default_factory=dict)
    """Azure: the Entra application ID of each environment's principal."""
    tenant_id: str | None = None
    progress: Callable[[str], None] = lambda text: None


def setup(repo: Repository, options: Options) -> list[DeployerReport]:
    """Set up (or, without ``options.apply``, plan) every deployer of ``repo``."""
    if not repo.deployers:
        raise MlopsStacksError(
            f"No pipeline in {repo.root} maps secrets for a deploy, so there is nothing to "
            "set up.", hint="Regenerate the pipelines (`mlops-stacks update`), or see "
            "docs/ci-cd.md for the secrets they read.",
        )  # fmt: skip
    store = store_for(repo.platform)
    unusable = store.unusable()
    return [_one(repo, d, options, store, unusable) for d in repo.deployers]


def _host(deployer: Deployer) -> str:
    hosts = deployer.hosts
    if len(hosts) != 1:
        where = ", ".join(f"{u.host_where}: {u.host}" for u in deployer.uses) or "no target"
        raise MlopsStacksError(
            f"The {deployer.name} credentials are used for {len(hosts)} workspaces ({where}).",
            hint="One set of CI secrets signs in to one workspace: point these targets at "
            "the same host, or give them their own secrets in the pipelines.",
        )
    return hosts[0]


def _one(repo: Repository, deployer: Deployer, options: Options, store: SecretStore,
         unusable: str | None) -> DeployerReport:
    from mlops_stacks.hosts import placeholder_reason
    from mlops_stacks.workspace.databricks.auth import connect

    name = repo.principal_name(deployer)
    placeholders = [(u, r) for u in deployer.uses if (r := placeholder_reason(u.host))]
    if placeholders:
        report = DeployerReport(deployer.name, deployer.targets, placeholders[0][0].host, name, "")
        for use, reason in placeholders:
            report.notes.append(f"{use.host_where} {reason}: set it to the {use.target} "
                                "workspace URL, then run `mlops-stacks cicd setup` again.")
        _blocked(deployer, report, store)
        return report
    host = _host(deployer)
    report = DeployerReport(deployer.name, deployer.targets, host, name, "")
    options.progress(f"{deployer.name}: {host}")
    conn = connect(host, profile_for(options.profiles, deployer.name))
    principal = principals.find(conn, name)
    app_id = principal.application_id if principal else options.application_ids.get(
        deployer.name, "")
    if principal is None:
        if repo.cloud == "azure" and not app_id:
            report.notes.append(
                f"Create a Microsoft Entra application for {name} (`az ad sp create-for-rbac "
                f"--name {name}`) and run again with --application-id {deployer.name}=<appId>.")
            _blocked(deployer, report, store)
            return report
        report.changes.append(f"create service principal {name}")
        if options.apply:
            principal = principals.create(conn, name, app_id or None)
            app_id = principal.application_id
    report.application_id = app_id
    for change in _grants(repo, deployer, conn, app_id or None, options.apply):
        if change not in report.changes:
            report.changes.append(change)
    _secrets(repo, deployer, report, store, unusable, conn, principal, options)
    return report


def _grants(repo: Repository, deployer: Deployer, conn: Connection, app_id: str | None,
            apply: bool) -> list[str]:
    changes: list[str] = []
    folders: list[str] = []
    catalogs: list[str] = []
    schemas: list[str] = []
    for use in deployer.uses:
        need = needs(repo.root, use, app_id)
        folders += [f for f in need.folders if f not in folders]
        catalogs += [c for c in need.catalogs if c not in catalogs]
        schemas += [s for s in need.schemas if s not in schemas]
    for folder in folders:
        changes += access.ensure_folder(conn, folder, app_id, apply=apply)
    for catalog in catalogs:
        changes += access.ensure_grants(conn, "catalog", catalog, access.CATALOG_PRIVILEGES,
                                        app_id, apply=apply)  # fmt: skip
    for schema in schemas:
        changes += access.ensure_grants(conn, "schema", schema, access.SCHEMA_PRIVILEGES,
                                        app_id, apply=apply)  # fmt: skip
    return changes


def _blocked(deployer: Deployer, report: DeployerReport, store: SecretStore) -> None:
    """The secrets wait for the step the notes name (a real host, an Entra application)."""
    for secret in deployer.secrets:
        report.secrets.append(SecretReport(secret.name, secret.env_var,
                                           kind_of(secret.env_var).label,
                                           store.where(secret.scope), "waiting"))


def _secrets(repo: Repository, deployer: Deployer, report: DeployerReport, store: SecretStore,
             unusable: str | None, conn: Connection | None,
             principal: principals.Principal | None, options: Options) -> None:
    present: dict[str | None, set[str]] = {}
    entra_unusable: str | None = "not needed"
    if repo.cloud == "azure" and any(kind_of(s.env_var).source in ("tenant_id", "entra_secret")
                                     for s in deployer.secrets):
        from mlops_stacks.cicd import entra

        entra_unusable = entra.unusable()
    for secret in deployer.secrets:
        kind = kind_of(secret.env_var)
        where = store.where(secret.scope)
        entry = SecretReport(secret.name, secret.env_var, kind.label, where, "by hand")
        report.secrets.append(entry)
        value_known = kind.source in ("application_id", "token", "oauth_secret") or (
            kind.source == "tenant_id" and bool(options.tenant_id)) or (
            kind.source in ("tenant_id", "entra_secret") and entra_unusable is None)
        if repo.cloud == "azure" and kind.source == "token":
            value_known = False  # tokens on behalf of a principal: AWS and GCP only
        if unusable is None:
            if secret.scope not in present:
                present[secret.scope] = store.existing(secret.scope)
            if secret.name in present[secret.scope]:
                entry.state = "present"
                continue
        if unusable is not None or not value_known:
            why = f" ({unusable})" if unusable else ""
            entry.instruction = (
                f"Set {secret.name}{why}: {store.manual(secret.scope, secret.name)}; "
                f"value: {_how(kind.how, report)}"
            )
            report.notes.append(entry.instruction)
            continue
        entry.state = "to store"
        report.changes.append(f"store {secret.name} in {where}")
        if options.apply and conn is not None and principal is not None:
            value = _value(kind.source, conn, principal, options, repo)
            store.put(secret.scope, secret.name, value)
            entry.state = "stored"


def _how(how: str, report: DeployerReport) -> str:
    if report.application_id:
        how = how.replace("<application-id>", report.application_id)
    return how.replace("<principal>", report.principal)


def _value(source: str, conn: Connection, principal: principals.Principal, options: Options,
           repo: Repository) -> str:
    if source == "application_id":
        return principal.application_id
    if source == "tenant_id" and options.tenant_id:
        return options.tenant_id
    if source in ("tenant_id", "entra_secret"):
        from mlops_stacks.cicd import entra

        if source == "tenant_id":
            return entra.tenant_id()
        return entra.new_client_secret(principal.application_id,
                                       f"{principal.display_name} (mlops-stacks cicd setup)")
    if source == "oauth_secret":
        return principals.create_oauth_secret(conn, principal)
    comment = f"CI deploys of {repo.name} (mlops-stacks cicd setup)"
    return principals.create_token(conn, principal, comment)


__all__ = ["DeployerReport", "Options", "SecretReport", "setup"]
