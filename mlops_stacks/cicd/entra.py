"""Microsoft Entra ID through ``az``: the tenant ID and a client secret of an application.

On Azure the deploying principals are Entra applications. When ``az`` is installed
and logged in, ``cicd setup`` reads the tenant ID (``az account show``) and, with
``--apply``, adds a client secret to the application (``az ad app credential reset
--append``, which keeps the existing ones). The secret comes back on ``az``'s
standard output, is handed to the CI platform's store, and is never shown.
"""

from __future__ import annotations

import shutil

from mlops_stacks.cicd.stores.base import StoreError, checked, run

#: Years a client secret made for CI is valid.
SECRET_YEARS = 1


def unusable() -> str | None:
    """Why ``az`` cannot reach Entra now; None when it can."""
    if shutil.which("az") is None:
        return "az is not installed"
    if run(["az", "account", "show", "-o", "none"]).code != 0:
        return "az is not logged in (run `az login`)"
    return None


def tenant_id() -> str:
    tenant = checked(["az", "account", "show", "--query", "tenantId", "-o", "tsv"]).out.strip()
    if not tenant:
        raise StoreError("`az account show` gave no tenant ID.")
    return tenant


def new_client_secret(application_id: str, label: str) -> str:
    """A new client secret of the Entra application ``application_id`` (the old ones stay)."""
    result = run(["az", "ad", "app", "credential", "reset", "--id", application_id, "--append",
                  "--display-name", label, "--years", str(SECRET_YEARS),
                  "--query", "password", "-o", "tsv"])  # fmt: skip
    value = result.out.strip()
    if result.code != 0 or not value:
        message = (result.err.strip().splitlines() or ["no password in the answer"])[-1]
        raise StoreError(f"Could not add a client secret to Entra application "
                         f"{application_id}: {message[:400]}",
                         hint="You need to own the application (or be an application "
                         "administrator); or set the secret by hand.")  # fmt: skip
    return value


__all__ = ["new_client_secret", "tenant_id", "unusable"]
