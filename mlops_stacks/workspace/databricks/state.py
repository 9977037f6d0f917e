"""The deployment state document, stored in the workspace under ``workspace.state_path``.

Keeping it in the workspace (not on the deploying machine) means CI runners
with no local cache read the same state and converge. A workspace import of
one file with ``overwrite`` replaces it whole, so readers see the old document
or the new one, never a mix.
"""

from __future__ import annotations

import json

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace.databricks.files import FileSync
from mlops_stacks.workspace.documents import StateDocument, state_document

STATE_NAME = "deployment-state.json"


class RemoteState:
    """Read, write and delete ``<state_path>/deployment-state.json``."""

    def __init__(self, files: FileSync, state_path: str) -> None:
        self.files = files
        self.path = f"{state_path.rstrip('/')}/{STATE_NAME}"

    def read(self) -> StateDocument | None:
        text = self.files.read_text(self.path)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as err:
            raise WorkspaceError(
                f"The deployment state {self.path} on {self.files.conn.host} is not valid JSON "
                f"({err}).",
                hint="Restore it from the workspace's version history, or delete it and "
                "redeploy (resources it tracked will then be created again).",
            ) from None
        if not isinstance(data, dict):
            raise WorkspaceError(
                f"The deployment state {self.path} on {self.files.conn.host} is not a JSON object.",
                hint="Delete it and redeploy.",
            )
        return state_document(data, f"The deployment state {self.path} on {self.files.conn.host}")

    def write(self, state: StateDocument) -> None:
        text = json.dumps(state, indent=1, sort_keys=True, default=str)
        self.files.write_text(self.path, text)

    def delete(self) -> None:
        self.files.delete_path(self.path)
