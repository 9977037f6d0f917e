"""What each environment variable a pipeline maps means, and where its value comes from.

Databricks unified authentication reads a few variables; the generated pipelines
map one set per cloud (``DATABRICKS_TOKEN`` on AWS/GCP, ``ARM_*`` on Azure). For
each, ``CREDENTIALS`` says what kind of credential it is, whether it is secret,
and how ``cicd setup`` gets its value: from the principal (its application ID),
by creating it (a token on behalf of the principal, an OAuth secret), from an option
(``--azure-tenant-id``), through ``az`` (the tenant ID, an Entra client secret), or
only by hand.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    label: str
    """For the table: ``token``, ``Entra application``."""
    source: str
    """``application_id`` | ``token`` | ``oauth_secret`` | ``tenant_id`` | ``entra_secret``
    (through ``az``) | ``by_hand``."""
    how: str
    """For people: where the value comes from when they set it by hand."""


CREDENTIALS: dict[str, Kind] = {
    "DATABRICKS_TOKEN": Kind(
        "token", "token",
        "a token of the service principal: `databricks token-management create-obo-token "
        "<application-id>` (AWS, GCP), or an OAuth secret of the principal",
    ),
    "DATABRICKS_CLIENT_ID": Kind("OAuth M2M", "application_id", "the principal's application ID"),
    "DATABRICKS_CLIENT_SECRET": Kind(
        "OAuth M2M", "oauth_secret",
        "an OAuth secret of the principal (Settings > Identity and access > Service "
        "principals > <principal> > Secrets > Generate secret)",
    ),
    "ARM_CLIENT_ID": Kind("Entra application", "application_id",
                          "the Entra application (client) ID of the principal"),
    "ARM_TENANT_ID": Kind("Entra application", "tenant_id",
                          "the Entra tenant ID (`az account show --query tenantId -o tsv`)"),
    "ARM_CLIENT_SECRET": Kind(
        "Entra application", "entra_secret",
        "a client secret of the Entra application (`az ad app credential reset --id "
        "<application-id> --append`, its `password`)",
    ),
}

UNKNOWN = Kind("other", "by_hand", "see docs/ci-cd.md")


def kind_of(env_var: str) -> Kind:
    return CREDENTIALS.get(env_var, UNKNOWN)


__all__ = ["CREDENTIALS", "Kind", "kind_of"]
