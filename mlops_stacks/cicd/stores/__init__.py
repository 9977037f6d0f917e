"""The CI platforms' secret stores: one module per platform, ``store_for`` picks one."""

from __future__ import annotations

from mlops_stacks.cicd.stores.base import SecretStore, StoreError


def store_for(platform: str) -> SecretStore:
    """The store of ``platform`` (a ``cicd_platform`` answer)."""
    if platform == "github_actions":
        from mlops_stacks.cicd.stores.github import GitHubSecrets

        return GitHubSecrets()
    if platform == "azure_devops":
        from mlops_stacks.cicd.stores.azure_devops import AzureDevOpsVariables

        return AzureDevOpsVariables()
    if platform == "gitlab":
        from mlops_stacks.cicd.stores.gitlab import GitLabVariables

        return GitLabVariables()
    raise StoreError(f"No secret store for CI platform {platform!r}.")


__all__ = ["SecretStore", "StoreError", "store_for"]
