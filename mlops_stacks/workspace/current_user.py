"""Who deploys: the identity behind the credentials for a workspace host.

``lookup_current_user`` is what the bundle step ``PopulateCurrentUser`` calls,
lazily (only for a Databricks host, once the host is known), as the Databricks
CLI's ``PopulateCurrentUser`` mutator asks the workspace. Library callers and
the CLI get the same ``${workspace.current_user.*}`` and so the same root path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UserLookup = Callable[[str, "str | None"], "dict[str, Any] | None"]


def lookup_current_user(host: str, profile: str | None = None) -> dict[str, Any] | None:
    """The user behind the configured credentials; ``None`` for ``local`` or without any.

    Credentials count as configured when the environment names some (a token,
    a client ID, a profile, ...), a profile is given, or the config file has a
    profile for ``host``. Configured but rejected credentials raise ``AuthError``.
    """
    if not host or host == "local":
        return None
    from mlops_stacks.workspace.databricks import auth

    if not (profile or auth._env_auth_present() or auth.profile_for_host(host)):
        return None
    return auth.current_user(host, profile)


def user_lookup(profile: str | None = None) -> UserLookup:
    """A lookup for the bundle loader; ``profile`` (``-p``) wins over ``workspace.profile``."""

    def lookup(host: str, bundle_profile: str | None) -> dict[str, Any] | None:
        return lookup_current_user(host, profile or bundle_profile)

    return lookup


__all__ = ["UserLookup", "lookup_current_user", "user_lookup"]
