"""Azure DevOps variable groups through ``az pipelines variable-group``.

``az pipelines variable-group list --group-name G -o json`` gives the group and
its variables (secret ones without values). A missing group is created
(``variable-group create`` needs one variable: a plain ``MLOPS_STACKS_GROUP``
marker); a secret variable is added with ``variable-group variable create
--secret true``, its value in ``AZURE_DEVOPS_EXT_PIPELINE_VAR_<NAME>``, the
environment variable ``az`` documents for secret values (never on the command line).
The organization and project come from ``az devops configure --defaults``.
"""

from __future__ import annotations

import json

from mlops_stacks.cicd.stores.base import SecretStore, StoreError, checked, run
from mlops_stacks.jsontypes import JsonObject

VALUE_ENV_PREFIX = "AZURE_DEVOPS_EXT_PIPELINE_VAR_"


class AzureDevOpsVariables(SecretStore):
    program = "az"
    label = "Azure DevOps"

    def logged_out(self) -> str | None:
        if run(["az", "account", "show", "-o", "none"]).code != 0:
            return "az is not logged in (run `az login`, then `az devops configure --defaults " \
                   "organization=https://dev.azure.com/<org> project=<project>`)"
        return None

    def _group(self, scope: str | None) -> JsonObject | None:
        result = checked(["az", "pipelines", "variable-group", "list",
                          "--group-name", self._name(scope), "-o", "json"])
        try:
            groups = json.loads(result.out or "[]")
        except ValueError:
            raise StoreError("`az pipelines variable-group list` printed something that is "
                             "not JSON.") from None
        return next((g for g in groups if isinstance(g, dict)
                     and g.get("name") == self._name(scope)), None)  # fmt: skip

    @staticmethod
    def _name(scope: str | None) -> str:
        if not scope:
            raise StoreError("An Azure DevOps secret needs a variable group; the pipeline "
                             "names none (`variables: - group: NAME`).")
        return scope

    def existing(self, scope: str | None) -> set[str]:
        group = self._group(scope)
        return set((group or {}).get("variables") or {})

    def put(self, scope: str | None, name: str, value: str) -> None:
        group = self._group(scope)
        if group is None:
            created = checked(["az", "pipelines", "variable-group", "create",
                               "--name", self._name(scope), "--variables",
                               "MLOPS_STACKS_GROUP=1", "--authorize", "false", "-o", "json"])
            group = json.loads(created.out)
        checked(["az", "pipelines", "variable-group", "variable", "create",
                 "--group-id", str(group["id"]), "--name", name, "--secret", "true",
                 "-o", "none"], env={VALUE_ENV_PREFIX + name: value}, secret=value)

    def where(self, scope: str | None) -> str:
        return f"Azure DevOps variable group {scope}"

    def manual(self, scope: str | None, name: str) -> str:
        return (f"Azure DevOps: Pipelines > Library > variable group {scope} > + Add "
                f"{name}, marked secret (or `az pipelines variable-group variable create "
                f"--group-id <id> --name {name} --secret true` with the value in "
                f"{VALUE_ENV_PREFIX}{name})")


__all__ = ["AzureDevOpsVariables"]
