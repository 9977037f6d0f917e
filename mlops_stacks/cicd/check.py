"""``cicd check``: is everything a deploy from CI needs in place? One ``Gap`` per thing missing.

For each deployer (or the one of ``-t TARGET``):

- every host its targets use is not a placeholder (``mlops_stacks.hosts``) and answers;
- the secrets the pipelines read exist: outside CI, in the platform's store (through
  its CLI); inside CI (``CI``, ``GITHUB_ACTIONS``, ``TF_BUILD``, ``GITLAB_CI``), as the
  environment variables the job maps them to, set and not empty;
- the principal can read each target's deploy root, or the nearest folder above it
  that exists: outside CI the principal is looked up by name and the folder's
  permissions read with the user's credentials; inside CI the job's own credentials
  read the folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from mlops_stacks.cicd import access, principals
from mlops_stacks.cicd.project import Deployer, Repository, TargetUse, needs, profile_for
from mlops_stacks.cicd.stores import SecretStore, StoreError, store_for
from mlops_stacks.errors import MlopsStacksError, UsageError

if TYPE_CHECKING:
    from mlops_stacks.workspace.databricks.auth import Connection

CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "TF_BUILD", "GITLAB_CI")
SETUP = "mlops-stacks cicd setup --apply"


@dataclass(frozen=True)
class Gap:
    environment: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"{self.environment}: {self.problem} Fix: {self.fix}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def in_ci(env: Mapping[str, str]) -> bool:
    return any(str(env.get(k, "")).lower() in ("true", "1", "yes") for k in CI_VARIABLES)


def check(repo: Repository, target: str | None = None, profiles: dict[str, str] | None = None,
          env: Mapping[str, str] | None = None) -> list[Gap]:
    """Every gap between the repository's pipelines and what exists (``[]``: all good)."""
    env = os.environ if env is None else env
    deployers = repo.deployers
    if target is not None:
        deployer = repo.deployer_for(target)
        if deployer is None:
            known = sorted({t for d in repo.deployers for t in d.targets})
            raise UsageError(f"No pipeline deploys target {target!r} with secrets.",
                             hint=f"Targets the pipelines deploy: {', '.join(known) or 'none'}.")
        uses = [u for u in deployer.uses if u.target == target]
        deployers = [Deployer(deployer.name, deployer.secrets, uses)]
    ci = in_ci(env)
    store = store_for(repo.platform)
    gaps: list[Gap] = []
    for deployer in deployers:
        gaps += _check_one(repo, deployer, store, ci, env,
                           profile_for(profiles or {}, deployer.name))
    return gaps


def _check_one(repo: Repository, deployer: Deployer, store: SecretStore, ci: bool,
               env: Mapping[str, str], profile: str | None) -> list[Gap]:
    from mlops_stacks.hosts import placeholder_reason

    gaps = []
    placeholder = False
    for use in _one_per_host(deployer.uses):
        reason = placeholder_reason(use.host)
        if reason:
            placeholder = True
            gaps.append(Gap(deployer.name, f"{use.host_where} is {use.host}: it {reason}.",
                            f"set it to the URL of your {use.target} workspace."))
    missing = _env_gaps(deployer, store, env) if ci else []
    gaps += missing if ci else _store_gaps(deployer, store)
    if placeholder or missing or not deployer.uses:  # no workspace to ask, or no credentials
        return gaps
    for use in _one_per_host(deployer.uses):
        gaps += _workspace_gaps(repo, deployer, use, ci, profile)
    return gaps


def _one_per_host(uses: list[TargetUse]) -> list[TargetUse]:
    seen: dict[str, TargetUse] = {}
    for use in uses:
        seen.setdefault(use.host, use)
    return list(seen.values())


def _store_gaps(deployer: Deployer, store: SecretStore) -> list[Gap]:
    unusable = store.unusable()
    if unusable:
        names = ", ".join(s.name for s in deployer.secrets)
        return [Gap(deployer.name, f"cannot list the {store.label} secrets ({names}): {unusable}.",
                    f"make {store.program} usable, or check them by hand: "
                    f"{store.manual(deployer.secrets[0].scope, deployer.secrets[0].name)}.")]
    gaps = []
    present: dict[str | None, set[str]] = {}
    for secret in deployer.secrets:
        if secret.scope not in present:
            try:
                present[secret.scope] = store.existing(secret.scope)
            except StoreError as err:
                gaps.append(Gap(deployer.name, f"cannot list {store.where(secret.scope)}: "
                                f"{err.message}", f"run `{SETUP}` or check by hand."))
                present[secret.scope] = set()
                continue
        if secret.name not in present[secret.scope]:
            gaps.append(Gap(deployer.name,
                            f"{secret.name} is not in {store.where(secret.scope)} "
                            f"(read by {secret.jobs[0]}).",
                            f"run `{SETUP}`, or {store.manual(secret.scope, secret.name)}."))
    return gaps


def _env_gaps(deployer: Deployer, store: SecretStore, env: Mapping[str, str]) -> list[Gap]:
    gaps = []
    for secret in deployer.secrets:
        value = str(env.get(secret.env_var) or "").strip()
        if not value or value == secret.reference:  # Azure DevOps leaves $(UNSET) as is
            gaps.append(Gap(
                deployer.name,
                f"{secret.env_var} is empty in this job: the secret {secret.name} is not set "
                f"in {store.where(secret.scope)}.",
                f"run `{SETUP}` where {store.program} is logged in, or "
                f"{store.manual(secret.scope, secret.name)}.",
            ))  # fmt: skip
    return gaps


def _workspace_gaps(repo: Repository, deployer: Deployer, use: TargetUse, ci: bool,
                    profile: str | None) -> list[Gap]:
    from mlops_stacks.workspace.databricks.auth import connect, me

    name = repo.principal_name(deployer)
    try:
        conn = connect(use.host, None if ci else profile)
        user = me(conn)
    except MlopsStacksError as err:
        return [Gap(deployer.name, f"{use.host} ({use.host_where}) cannot be reached with "
                    f"{'the job' if ci else 'your'} credentials: {err.message}",
                    err.hint or "check the host and the credentials.")]
    gaps = []
    try:
        if ci:
            gaps += _ci_reads(repo, deployer, conn, str(user.get("userName") or ""))
        else:
            principal = principals.find(conn, name)
            if principal is None:
                return [Gap(deployer.name, f"there is no service principal {name} on {use.host}.",
                            f"run `{SETUP}`.")]
            gaps += _reads(repo, deployer, conn, principal.application_id, name)
    except MlopsStacksError as err:
        gaps.append(Gap(deployer.name, f"cannot check {use.host}: {err.message}",
                        err.hint or f"run `{SETUP}`."))
    return gaps


def _roots(repo: Repository, deployer: Deployer, user: str | None) -> list[str]:
    roots: list[str] = []
    for use in deployer.uses:
        root_path = needs(repo.root, use, user).root_path
        if root_path and root_path not in roots:
            roots.append(root_path)
    return roots


def _reads(repo: Repository, deployer: Deployer, conn: Connection, app_id: str,
           name: str) -> list[Gap]:
    gaps = []
    for root in _roots(repo, deployer, app_id):
        ok, folder = access.can_read(conn, root, app_id)
        if not ok:
            gaps.append(Gap(deployer.name, f"{name} cannot read {folder} (deploy root {root}).",
                            f"run `{SETUP}`, or grant it CAN_MANAGE on {folder}."))
    return gaps


def _ci_reads(repo: Repository, deployer: Deployer, conn: Connection, user: str) -> list[Gap]:
    gaps = []
    for root in _roots(repo, deployer, user):
        folder = root
        try:
            while access.folder_id(conn, folder) is None and folder.count("/") > 1:
                folder = folder.rsplit("/", 1)[0]
        except MlopsStacksError as err:
            gaps.append(Gap(deployer.name, f"this job's principal ({user}) cannot read {folder} "
                            f"(deploy root {root}): {err.message}",
                            f"run `{SETUP}`, or grant it CAN_MANAGE on {folder}."))
    return gaps


__all__ = ["CI_VARIABLES", "Gap", "check", "in_ci"]
