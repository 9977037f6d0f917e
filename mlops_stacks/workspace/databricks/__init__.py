"""The Databricks workspace backend: the ``Workspace`` protocol over the Databricks REST API.

Modules, one job each::

    auth.py       credentials (unified config: bundle host/profile, env, OAuth M2M, Azure,
                  ~/.databrickscfg), the current user, and the ``Connection`` all calls go through
    http.py       one request, bounded by the command's deadline and an answer size cap
    answers.py    checked answers: non-JSON, redirects and missing or malformed fields are
                  "the workspace answered unexpectedly"
    errors.py     HTTP/SDK errors -> WorkspaceError/AuthError; bounded retries of 429/5xx,
                  each reported as it happens
    files.py      synced files under workspace.file_path (notebooks vs workspace files)
    state.py      the deployment state document under workspace.state_path
    lock.py       the deployment lock next to it
    resources.py  jobs, experiments, UC registered models, workspace models, serving endpoints,
                  permissions and grants
    runs.py       run-now, polling, run records
    backend.py    ``DatabricksWorkspace``: the protocol, wired from the pieces above

``open_databricks_workspace(bundle)`` is what ``workspace.open_workspace`` calls.
The SDK is imported only when a connection is made, so ``--help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.databricks.backend import DatabricksWorkspace

__all__ = ["current_user", "open_databricks_workspace"]


def open_databricks_workspace(bundle: Bundle, *, profile: str | None = None) -> DatabricksWorkspace:
    """The Databricks workspace of ``bundle``'s target (authenticates; may raise AuthError)."""
    from mlops_stacks.workspace.databricks.backend import DatabricksWorkspace

    return DatabricksWorkspace.for_bundle(bundle, profile=profile)


def current_user(host: str, profile: str | None = None) -> JsonObject | None:
    """The identity the credentials for ``host`` belong to (``None`` for ``local``)."""
    from mlops_stacks.workspace.databricks.auth import current_user as _current_user

    return _current_user(host, profile)
