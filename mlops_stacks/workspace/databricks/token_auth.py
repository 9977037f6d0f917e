"""A personal access token from the environment, used without configuring databricks-sdk.

CI deploys with ``DATABRICKS_HOST`` + ``DATABRICKS_TOKEN``. For that case databricks-sdk's
unified configuration ends in its ``pat`` strategy, ``Authorization: Bearer <token>`` on
every request, after loading its credential providers (Google, Azure, OAuth: a few
hundred milliseconds of imports) and probing the host's ``/.well-known/databricks-config``
(one round trip, whose answer only other credentials use). ``token_config`` gives that
same header directly, but only when nothing else could change the SDK's choice: no
profile, and none of the SDK's other settings for credentials in the environment
(``SDK_DECIDES_ENV``). Otherwise the SDK configures as usual (``auth.connect``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from mlops_stacks import __version__

TOKEN_ENV = "DATABRICKS_TOKEN"
AUTH_TYPE_ENV = "DATABRICKS_AUTH_TYPE"

#: Environment settings of databricks-sdk's configuration that may pick other credentials,
#: a profile or another identity, or change how a token is sent: with any of them set, the
#: SDK decides (``tests/databricks/test_start_up.py`` checks that every setting the SDK
#: reads is here or in ``TOKEN_NEUTRAL_ENV``).
SDK_DECIDES_ENV = frozenset({
    "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_USERNAME", "DATABRICKS_PASSWORD",
    "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_OIDC_TOKEN_ENV",
    "DATABRICKS_OIDC_TOKEN_FILEPATH", "DATABRICKS_GOOGLE_SERVICE_ACCOUNT", "GOOGLE_CREDENTIALS",
    "DATABRICKS_AZURE_RESOURCE_ID", "ARM_USE_MSI", "ARM_CLIENT_SECRET", "ARM_CLIENT_ID",
    "ARM_TENANT_ID", "ARM_ENVIRONMENT", "DATABRICKS_METADATA_SERVICE_URL",
    "DATABRICKS_GROUP_ID", "DATABRICKS_ACCOUNT_ID", "DATABRICKS_WORKSPACE_ID",
    "DATABRICKS_CLOUD", "DATABRICKS_DISCOVERY_URL", "DATABRICKS_TOKEN_AUDIENCE",
    "DATABRICKS_CLI_PATH",
})  # fmt: skip

#: Settings the SDK reads that do not change a token's sign-in (``DATABRICKS_AUTH_TYPE``
#: only when it is ``pat``).
TOKEN_NEUTRAL_ENV = frozenset({
    "DATABRICKS_HOST", TOKEN_ENV, "DATABRICKS_CONFIG_FILE", AUTH_TYPE_ENV,
    "DATABRICKS_CLUSTER_ID", "DATABRICKS_WAREHOUSE_ID", "DATABRICKS_SERVERLESS_COMPUTE_ID",
    "DATABRICKS_DEBUG_TRUNCATE_BYTES", "DATABRICKS_DEBUG_HEADERS", "DATABRICKS_RATE_LIMIT",
    "DATABRICKS_DISABLE_ASYNC_TOKEN_REFRESH", "DATABRICKS_DISABLE_EXPERIMENTAL_FILES_API_CLIENT",
    "DATABRICKS_DISABLE_OAUTH_REFRESH_TOKEN",
})  # fmt: skip


@dataclass(frozen=True)
class TokenConfig:
    """What ``auth.Connection`` uses of the SDK's configuration, for a token."""

    host: str
    token: str = field(repr=False)
    auth_type: str = "pat"
    profile: str | None = None
    user_agent: str = f"mlops-stacks/{__version__} auth/pat"

    def authenticate(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def token_config(host: str, profile: str | None,
                 env: Mapping[str, str] | None = None) -> TokenConfig | None:
    """The token sign-in for ``host`` (normalised, ``https://name``) when the SDK would
    make exactly that one; ``None`` when the SDK has to decide (see the module docstring)."""
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV, "")
    if profile or not token or not _plain_host(host):
        return None
    if any(env.get(name) for name in SDK_DECIDES_ENV):
        return None
    if env.get(AUTH_TYPE_ENV) and env.get(AUTH_TYPE_ENV) != "pat":
        return None
    return TokenConfig(host=host, token=token)


def _plain_host(host: str) -> bool:
    """A URL of a host alone (the SDK would keep it as it is)."""
    try:
        url = urlparse(host)
        port = url.port
    except ValueError:
        return False
    return (url.scheme in ("https", "http") and bool(url.hostname) and port != 443
            and url.path in ("", "/") and not (url.params or url.query or url.fragment))
