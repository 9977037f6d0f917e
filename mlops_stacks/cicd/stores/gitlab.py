"""GitLab CI/CD variables through ``glab``: masked, scoped to the job's environment.

``glab variable list -F json`` lists the project's variables (``key``,
``environment_scope``); ``glab variable set NAME --masked --scope E`` reads the
value from its standard input.
"""

from __future__ import annotations

import json

from mlops_stacks.cicd.stores.base import SecretStore, StoreError, checked, run

ALL_ENVIRONMENTS = "*"


class GitLabVariables(SecretStore):
    program = "glab"
    label = "GitLab CI/CD"

    def logged_out(self) -> str | None:
        if run(["glab", "auth", "status"]).code != 0:
            return "glab is not logged in to GitLab (run `glab auth login`)"
        return None

    def existing(self, scope: str | None) -> set[str]:
        result = checked(["glab", "variable", "list", "-F", "json"])
        try:
            items = json.loads(result.out or "[]")
            return {
                str(v["key"]) for v in items
                if v.get("environment_scope", ALL_ENVIRONMENTS) in (scope or ALL_ENVIRONMENTS,
                                                                    ALL_ENVIRONMENTS)
            }  # fmt: skip
        except (ValueError, TypeError, KeyError, AttributeError):
            raise StoreError("`glab variable list -F json` printed something that is not "
                             "a list of variables.") from None

    def put(self, scope: str | None, name: str, value: str) -> None:
        checked(["glab", "variable", "set", name, "--masked",
                 "--scope", scope or ALL_ENVIRONMENTS], stdin=value, secret=value)

    def where(self, scope: str | None) -> str:
        return (f"GitLab CI/CD variable (environment {scope})" if scope
                else "GitLab CI/CD variable (all environments)")

    def manual(self, scope: str | None, name: str) -> str:
        return (f"GitLab: Settings > CI/CD > Variables > Add variable {name}, masked, "
                f"environment scope {scope or ALL_ENVIRONMENTS} (or `glab variable set {name} "
                f"--masked --scope {scope or ALL_ENVIRONMENTS}`, value on stdin)")


__all__ = ["GitLabVariables"]
