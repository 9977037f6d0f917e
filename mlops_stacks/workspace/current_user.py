"""Who deploys: the identity behind the credentials for a workspace host.

``lookup_current_user`` is what the bundle step ``PopulateCurrentUser`` calls,
lazily (only for a Databricks host, once the host is known), as the Databricks
CLI's ``PopulateCurrentUser`` mutator asks the workspace. Library callers and
the CLI get the same ``${workspace.current_user.*}`` and so the same root path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlops_stacks.bundle.context import UserLookup
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.diagnostics import Diagnostics


def lookup_current_user(host: str, profile: str | None = None) -> JsonObject | None:
    """The user behind the configured credentials; ``None`` for ``local`` or without any.

    Credentials count as configured when the environment names some (a token,
    a client ID, a profile, ...), a profile is given, or the config file has a
    profile for ``host``. Configured but rejected credentials raise ``AuthError``.
    """
    if not host or host == "local":
        return None
    from mlops_stacks.workspace.databricks import auth, profiles

    if not (profile or profiles.env_auth_present() or profiles.profile_for_host(host)):
        return None
    return auth.current_user(host, profile)


def user_lookup(profile: str | None = None) -> UserLookup:
    """A lookup for the bundle loader; ``profile`` (``-p``) wins over ``workspace.profile``."""

    def lookup(host: str, bundle_profile: str | None) -> JsonObject | None:
        return lookup_current_user(host, profile or bundle_profile)

    return lookup


def load_bundle(
    root: str | os.PathLike[str] | None = None,
    target: str | None = None,
    variables: dict[str, str] | None = None,
    current_user: JsonObject | None = None,
    env: Mapping[str, str] | None = None,
    strict: bool = False,
    *,
    lookup_user: bool = True,
    profile: str | None = None,
) -> tuple[Bundle | None, Diagnostics]:
    """``bundle.load_bundle`` that, for a Databricks target without ``current_user``,
    asks the workspace who the configured credentials belong to (``lookup_user``;
    ``profile`` wins over ``workspace.profile``); without credentials the look-up
    is skipped with one warning. This is ``mlops_stacks.load_bundle``."""
    from mlops_stacks.bundle.loader import load_bundle as load

    return load(root, target, variables, current_user, env, strict,
                user_lookup=user_lookup(profile) if lookup_user else None)


__all__ = ["UserLookup", "load_bundle", "lookup_current_user", "user_lookup"]
