"""The documents every workspace backend stores and hands back, as named types.

Both backends (``local.py``, ``databricks/``) and ``deploy/`` speak these types,
so mypy checks each side against the same shape: a key renamed in one backend
fails the type check instead of a deploy.

- ``StateDocument``: the deployment state of one target (``read_state`` /
  ``write_state``), with a ``ResourceEntry`` per deployed resource: its ID, the
  fingerprint and configuration it was deployed with, its display name.
- ``UserConfig``: a resource's desired configuration as the bundle gives it. It is
  the user's own YAML, checked against the bundle schema when the bundle loads,
  so its values stay unchecked here, under this one name.
- ``JsonObject``: a JSON object whose shape another service decides (a REST answer).

What a create or update records (ID, name, link) is ``protocol.ResourceRef``; a
run is a ``runner.record.RunRecord``.
"""

from __future__ import annotations

from typing import TypedDict

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject

UserConfig = JsonObject
"""A resource's configuration from the user's YAML (schema-checked at load time)."""

JsonObject = JsonObject
"""A JSON object whose fields another service decides (a REST answer, an SDK dict)."""

STATE_VERSION = 1
"""The newest state document version this mlops-stacks reads and the one it writes."""


class _ResourceEntryFields(TypedDict):
    id: str
    fingerprint: str
    config: UserConfig


class ResourceEntry(_ResourceEntryFields, total=False):
    """One deployed resource in the state document."""

    name: str


class _StateDocumentFields(TypedDict):

    version: int
    bundle: str
    target: str
    serial: int
    updated_at: str
    salt: str
    files: dict[str, str]
    """Synced files: relative path -> sha256 of the content."""
    resources: dict[str, dict[str, ResourceEntry]]
    """kind -> key -> deployed resource."""


class StateDocument(_StateDocumentFields, total=False):
    """The deployment state of one target, as a workspace stores it (JSON)."""

    journal: list[JsonObject]
    """Changes recorded since the document was written (a workspace that keeps a
    journal returns them here; ``deploy/state.py`` replays and checks each)."""


def state_document(data: JsonMapping, where: str = "the deployment state") -> StateDocument:
    """``data`` (parsed JSON) checked as a state document; ``WorkspaceError`` naming
    ``where`` when it is newer than this version understands or malformed."""
    version = data.get("version", STATE_VERSION)
    if not isinstance(version, int) or version > STATE_VERSION:
        raise WorkspaceError(
            f"{where} has version {version!r}, newer than this mlops-stacks understands.",
            hint="Upgrade mlops-stacks (pip install -U mlops-stacks).",
        )
    try:
        resources = {
            str(kind): {str(key): resource_entry(r) for key, r in (items or {}).items()}
            for kind, items in (data.get("resources") or {}).items()
        }
        files = {str(p): str(h) for p, h in (data.get("files") or {}).items()}
        serial = int(data.get("serial", 0) or 0)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise WorkspaceError(
            f"{where} is malformed ({type(exc).__name__}: {exc}).",
            hint="Delete it and run `mlops-stacks deploy` again: existing jobs, "
            "experiments and models are adopted by name.",
        ) from None
    doc = StateDocument(
        version=version, bundle=str(data.get("bundle", "")), target=str(data.get("target", "")),
        serial=serial, updated_at=str(data.get("updated_at", "")),
        salt=str(data.get("salt") or ""), files=files, resources=resources,
    )
    journal = data.get("journal")
    if isinstance(journal, list) and journal:
        doc["journal"] = [entry for entry in journal if isinstance(entry, dict)]
    return doc


def resource_entry(data: JsonMapping) -> ResourceEntry:
    """``data`` (parsed JSON) as a ``ResourceEntry``; ``KeyError`` without an ``id``."""
    entry = ResourceEntry(id=str(data["id"]), fingerprint=str(data.get("fingerprint", "")),
                          config=dict(data.get("config") or {}))
    if data.get("name") is not None:
        entry["name"] = str(data["name"])
    return entry


def deployed_id(state: StateDocument | None, kind: str, key: str) -> str | None:
    """The ID ``state`` records for resource ``kind.key`` (None when not deployed)."""
    if state is None:
        return None
    entry = state["resources"].get(kind, {}).get(key)
    return entry["id"] if entry is not None and entry["id"] else None
