"""CheckAuthFields: the fields that say how to reach the workspace hold no ``${...}``.

Reads: ``workspace.host``, ``profile``, ``auth_type`` and the other
authentication fields, before any reference is resolved. Errors: a value
with a reference, as the Databricks CLI rejects it (it needs these fields
to connect before it can resolve anything). Changes: nothing.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.diagnostics import Diagnostics, error

AUTH_FIELDS = ("host", "profile", "auth_type", "account_id", "client_id", "azure_client_id",
               "azure_tenant_id", "azure_environment", "azure_workspace_resource_id",
               "google_service_account", "azure_login_app_id", "metadata_service_url")


class CheckAuthFields:
    name = "check_auth_fields"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        workspace = ctx.tree.get("workspace") if ctx.tree is not None else None
        if workspace is None or not workspace.is_map:
            return diags
        for name in AUTH_FIELDS:
            node = workspace.get(name)
            if node is not None and isinstance(node.value, str) and "${" in node.value:
                diags.append(error(
                    f"workspace.{name} cannot use a reference ({node.value})", node.loc,
                    path=f"workspace.{name}",
                    detail="It is needed to reach the workspace before references are "
                    "resolved. Write the value itself, or leave it out and set it with "
                    "DATABRICKS_HOST (or a profile) at run time.",
                ))
        return diags
