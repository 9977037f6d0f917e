"""Placeholder workspace hosts: URLs that stand in for a real Databricks workspace.

``init --defaults`` writes example hosts (``EXAMPLE_HOSTS``, the defaults of the
built-in template's ``staging_workspace_host`` and ``prod_workspace_host`` for
each cloud) so a project renders without answers. They name no workspace: a
deploy to them retries until its deadline. ``placeholder_reason(host)`` says
why a host is such a stand-in (or ``None`` when it may be real); ``validate``,
``init`` and ``cicd check`` use it. Plain string work, no imports from the rest
of the package, so any layer may use it.
"""

from __future__ import annotations

import re

#: The template's example hosts per cloud: (staging, prod). A test checks them
#: against templates/mlops-stacks/copier.yml.
EXAMPLE_HOSTS: dict[str, tuple[str, str]] = {
    "azure": (
        "https://adb-1111111111111111.11.azuredatabricks.net",
        "https://adb-2222222222222222.22.azuredatabricks.net",
    ),
    "aws": (
        "https://staging-workspace.cloud.databricks.com",
        "https://prod-workspace.cloud.databricks.com",
    ),
    "gcp": (
        "https://1111111111111111.1.gcp.databricks.com",
        "https://2222222222222222.2.gcp.databricks.com",
    ),
}

_EXAMPLES = {h.split("://", 1)[1] for pair in EXAMPLE_HOSTS.values() for h in pair}
# Domains reserved for documentation and tests (RFC 2606, RFC 6761).
_RESERVED = re.compile(r"(^|\.)(example\.(com|net|org)|example|invalid|test)$")
# Template markers: <workspace>, {{ host }}, ${HOST}, xxxx, your-workspace...
_MARKERS = re.compile(
    r"[<>{}$]|(^|[.-])x{3,}($|[.-])|your[-_]?(workspace|host)|placeholder|changeme|replace[-_]?me"
)
# A workspace ID of one repeated digit: adb-1111111111111111.11.azuredatabricks.net,
# 2222222222222222.2.gcp.databricks.com.
_REPEATED_ID = re.compile(r"^(adb-)?(\d)\2{7,}\.")


def host_name(host: str) -> str:
    """The lower-case host name of a URL (no scheme, port, path, query or fragment)."""
    rest = host.strip().split("://", 1)[-1]
    rest = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return rest.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".").lower()


def placeholder_reason(host: str) -> str | None:
    """Why ``host`` is a placeholder rather than a workspace, or ``None`` when it may be real."""
    name = host_name(host)
    if not name:
        return "is empty"
    if name in _EXAMPLES:
        return "is the example host mlops-stacks init writes when no host is given"
    if _MARKERS.search(host.strip().lower()):
        return "still holds a placeholder to fill in"
    if _REPEATED_ID.match(name):
        return "has a made-up workspace ID (one digit repeated)"
    if _RESERVED.search(name):
        return "is in a domain reserved for examples"
    return None


def is_placeholder_host(host: str) -> bool:
    """True when ``host`` is an example or placeholder, not a real workspace URL."""
    return placeholder_reason(host) is not None
