"""Who deploys: the workspace user and the short name used in development prefixes.

For the embedded local workspace (``workspace.host: local``) there is no
account, so the operating-system user stands in: ``userName`` is the login
name (``getpass.getuser()``, falling back to ``local-user``) and
``short_name`` its normalised form. On Databricks ``short_name`` is the part
of the user name before ``@``, lower-cased, with every character that is not
a letter or digit replaced by ``_``; we compute it the same way.
"""

from __future__ import annotations

import getpass

from mlops_stacks.jsontypes import JsonObject


def normalize_name(text: str) -> str:
    """Lower-case ``text`` and replace anything but letters and digits with ``_``."""
    return "".join(c if c.isalnum() else "_" for c in text.lower())


def short_name(user_name: str) -> str:
    """``jane.doe@example.com`` -> ``jane_doe``."""
    local, _, _ = user_name.partition("@")
    return normalize_name(local)


def os_user() -> JsonObject:
    """The current user for the local workspace."""
    try:
        name = getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (minimal containers)
        name = ""
    name = name or "local-user"
    return {"userName": name, "short_name": short_name(name)}


def complete_user(user: JsonObject) -> JsonObject:
    """Fill ``short_name`` from ``userName`` when the caller gave only the latter."""
    out = dict(user)
    if not out.get("short_name") and out.get("userName"):
        out["short_name"] = short_name(str(out["userName"]))
    return out
