"""GitHub Actions secrets through ``gh``: repository secrets, or a GitHub environment's.

``gh secret list [--env E] --json name`` lists them; ``gh secret set NAME [--env E]``
reads the value from its standard input. An environment that does not exist yet
is created first (``gh api --method PUT repos/{owner}/{repo}/environments/E``):
``gh secret set --env`` refuses a missing one.
"""

from __future__ import annotations

import json

from mlops_stacks.cicd.stores.base import SecretStore, StoreError, checked, run


class GitHubSecrets(SecretStore):
    program = "gh"
    label = "GitHub Actions"

    def logged_out(self) -> str | None:
        if run(["gh", "auth", "status"]).code != 0:
            return "gh is not logged in to GitHub (run `gh auth login`)"
        if run(["gh", "repo", "view", "--json", "nameWithOwner"]).code != 0:
            return ("gh finds no GitHub repository here (push it to GitHub and add the remote: "
                    "`git remote add origin https://github.com/<owner>/<repo>.git`)")
        return None

    @staticmethod
    def _env(scope: str | None) -> list[str]:
        return ["--env", scope] if scope else []

    def existing(self, scope: str | None) -> set[str]:
        result = run(["gh", "secret", "list", "--json", "name", *self._env(scope)])
        if result.code != 0 and "unknown flag: --json" in result.err:  # gh before 2.41
            plain = run(["gh", "secret", "list", *self._env(scope)])
            if plain.code == 0:  # one secret a line: NAME<tab>UPDATED
                return {line.split("\t", 1)[0] for line in plain.out.splitlines() if line}
            result = plain
        if result.code != 0:
            if scope and "404" in result.err:
                return set()  # the environment does not exist yet
            raise StoreError(f"`gh secret list` failed: {result.err.strip()[:400]}")
        try:
            return {str(item["name"]) for item in json.loads(result.out or "[]")}
        except (ValueError, TypeError, KeyError):
            raise StoreError("`gh secret list --json name` printed something that is not "
                             "a list of secrets.") from None

    def put(self, scope: str | None, name: str, value: str) -> None:
        if scope:
            checked(["gh", "api", "--method", "PUT",
                     f"repos/{{owner}}/{{repo}}/environments/{scope}", "--silent"])
        checked(["gh", "secret", "set", name, *self._env(scope)], stdin=value, secret=value)

    def where(self, scope: str | None) -> str:
        return f"GitHub environment {scope}" if scope else "GitHub repository secrets"

    def manual(self, scope: str | None, name: str) -> str:
        if scope:
            return (f"GitHub: Settings > Environments > {scope} > Add environment secret "
                    f"{name} (or `gh secret set {name} --env {scope}`, value on stdin)")
        return (f"GitHub: Settings > Secrets and variables > Actions > New repository secret "
                f"{name} (or `gh secret set {name}`, value on stdin)")


__all__ = ["GitHubSecrets"]
