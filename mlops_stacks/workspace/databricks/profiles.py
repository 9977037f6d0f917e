"""The Databricks config file (``~/.databrickscfg``) and what its profiles say.

Which profile is for a host, which host a profile is for, whether the environment
names credentials of its own, and how to describe where credentials came from (in
messages; never their values). ``auth.connect`` uses these to choose and explain a
sign-in.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path


def normalize_host(host: str) -> str:
    """``host`` as a URL: ``https://`` when it names no scheme, no trailing slash."""
    host = host.strip().rstrip("/")
    if host and "://" not in host:
        host = "https://" + host
    return host


def config_file_path() -> Path:
    return Path(os.environ.get("DATABRICKS_CONFIG_FILE") or "~/.databrickscfg").expanduser()


def profile_for_host(host: str) -> str | None:
    """The only profile in the config file whose host is ``host``, if exactly one."""
    path = config_file_path()
    if not host or not path.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return None
    wanted = normalize_host(host)
    sections = list(parser.sections())
    if parser.defaults():
        sections.append("DEFAULT")
    matches = [
        name
        for name in sections
        if name != "__settings__"
        and normalize_host(
            parser[name].get("host", "") if name != "DEFAULT" else parser.defaults().get("host", "")
        )
        == wanted
    ]
    return matches[0] if len(matches) == 1 else None


def profile_host(profile: str) -> str | None:
    """The host a profile of the config file is for, if it names one."""
    parser = configparser.ConfigParser()
    try:
        parser.read(config_file_path())
    except configparser.Error:
        return None
    if profile == "DEFAULT":
        return parser.defaults().get("host")
    if not parser.has_section(profile):
        return None
    return parser[profile].get("host")


def env_auth_present() -> bool:
    """Whether the environment names credentials (a token, a client ID, a profile...)."""
    keys = (
        "DATABRICKS_TOKEN",
        "DATABRICKS_CLIENT_ID",
        "DATABRICKS_USERNAME",
        "ARM_CLIENT_ID",
        "ARM_USE_MSI",
        "DATABRICKS_AUTH_TYPE",
        "DATABRICKS_CONFIG_PROFILE",
    )
    return any(os.environ.get(k) for k in keys)


def describe_source(auth_type: str, profile: str | None) -> str:
    """A human description of where the credentials came from (never their values)."""
    where = f"profile '{profile}' in {config_file_path()}" if profile else "environment variables"
    if auth_type == "pat":
        if not profile or os.environ.get("DATABRICKS_TOKEN"):
            return "personal access token from DATABRICKS_TOKEN"
        return f"personal access token from {where}"
    if auth_type == "oauth-m2m":
        client_id = os.environ.get("DATABRICKS_CLIENT_ID", "")
        suffix = f" (client id {client_id})" if client_id and not profile else ""
        return f"OAuth M2M service principal from {where}{suffix}"
    if auth_type.startswith("azure"):
        client_id = os.environ.get("ARM_CLIENT_ID", "")
        suffix = f" (ARM_CLIENT_ID {client_id})" if client_id else ""
        return f"Azure credentials ({auth_type}) from {where}{suffix}"
    return f"{auth_type or 'unknown'} credentials from {where}"
