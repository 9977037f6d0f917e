"""Service principals of a workspace (SCIM) and the credentials CI signs in with.

- ``find`` / ``create``: ``/api/2.0/preview/scim/v2/ServicePrincipals``, found again by
  display name (display names are not unique on Databricks: two matches is an error
  naming both IDs, never a guess);
- ``create_token``: a personal access token on behalf of the principal
  (``/api/2.0/token-management/on-behalf-of/tokens``; AWS and GCP workspaces);
- ``create_oauth_secret``: an OAuth secret of the principal, through the workspace
  (``/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets``).

A value is returned once and goes straight to the CI platform's secret store.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_stacks.cicd.access import listed
from mlops_stacks.errors import WorkspaceError

if TYPE_CHECKING:
    from mlops_stacks.workspace.databricks.auth import Connection

SCIM_SP = "/api/2.0/preview/scim/v2/ServicePrincipals"
SP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"
OBO_TOKENS = "/api/2.0/token-management/on-behalf-of/tokens"
#: Entitlement that lets a principal use the workspace (and its APIs).
WORKSPACE_ACCESS = "workspace-access"
#: How long a CI token lives (a year); ``cicd check`` tells when it is gone.
TOKEN_LIFETIME = 365 * 24 * 3600


@dataclass(frozen=True)
class Principal:
    id: str
    display_name: str
    application_id: str


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def find(conn: Connection, display_name: str) -> Principal | None:
    """The service principal called ``display_name``, or None."""
    answer = conn.call("GET", SCIM_SP, what=f"look up service principal {display_name}",
                       query={"filter": f"displayName eq {_quote(display_name)}",
                              "count": 100})  # fmt: skip
    found = [
        Principal(r.text("id"), r.text("displayName"), r.text("applicationId"))
        for r in listed(answer, "Resources")  # left out when nothing matches
        if r.text("displayName") == display_name
    ]
    if len(found) > 1:
        raise WorkspaceError(
            f"{conn.host} has {len(found)} service principals called {display_name!r} "
            f"(IDs {', '.join(p.id for p in found)}).",
            hint="Delete or rename all but one (Settings > Identity and access > Service "
            "principals), then run the command again.",
        )
    return found[0] if found else None


def create(conn: Connection, display_name: str, application_id: str | None = None) -> Principal:
    """A new service principal with workspace access (``application_id``: an existing
    Microsoft Entra application on Azure; the workspace makes one up elsewhere)."""
    body: dict[str, object] = {
        "schemas": [SP_SCHEMA],
        "displayName": display_name,
        "active": True,
        "entitlements": [{"value": WORKSPACE_ACCESS}],
    }
    if application_id:
        body["applicationId"] = application_id
    answer = conn.call("POST", SCIM_SP, what=f"create service principal {display_name}",
                       body=body, idempotent=False)  # fmt: skip
    return Principal(answer.text("id"), answer.text("displayName"),
                     answer.text("applicationId"))  # fmt: skip


def create_oauth_secret(conn: Connection, principal: Principal) -> str:
    """An OAuth secret of ``principal`` for OAuth M2M sign-in (with its application ID as the
    client ID), made through the workspace (``.../credentials/secrets``, any cloud)."""
    path = f"/api/2.0/accounts/servicePrincipals/{principal.id}/credentials/secrets"
    answer = conn.call("POST", path, what=f"create an OAuth secret for {principal.display_name}",
                       body={"lifetime": f"{TOKEN_LIFETIME}s"}, idempotent=False)  # fmt: skip
    value = answer.text("secret")
    if not value:
        raise answer.unexpected("no secret in the answer")
    conn.ctx = dataclasses.replace(conn.ctx, secrets=(*conn.ctx.secrets, value))
    return value


def create_token(conn: Connection, principal: Principal, comment: str) -> str:
    """A token of ``principal`` (never printed; the caller hands it to a secret store)."""
    answer = conn.call("POST", OBO_TOKENS, what=f"create a token for {principal.display_name}",
                       body={"application_id": principal.application_id, "comment": comment,
                             "lifetime_seconds": TOKEN_LIFETIME},
                       idempotent=False)  # fmt: skip
    value = answer.text("token_value")
    if not value:
        raise answer.unexpected("no token_value in the answer")
    # Redacted from any later message of this connection.
    conn.ctx = dataclasses.replace(conn.ctx, secrets=(*conn.ctx.secrets, value))
    return value


__all__ = ["Principal", "create", "create_oauth_secret", "create_token", "find"]
