"""Deployment state: what is deployed to a target, persisted through the workspace.

One JSON document per target::

    {
      "version": 1,
      "bundle": "my-project", "target": "local",
      "serial": 7, "updated_at": "2025-01-01T12:00:00+00:00",
      "files": {"training/notebooks/Train.py": "<sha256>", ...},
      "resources": {
        "jobs": {"model_training_job": {"id": "1", "name": "...",
                                        "fingerprint": "<sha256>", "config": {...}}},
        ...
      }
    }

``fingerprint`` is the hash of the resource's deployed configuration, so a plan
can tell unchanged resources apart without asking the workspace; ``config`` is
kept so updates can show a field-level diff. Secrets (see ``mlops_stacks.secrets``:
secret-looking keys and parameter names, sensitive variables) are stored as
``***`` and a salted hash, and the fingerprint is salted too (``salt``, made
for each new state; states written before it have none): a change is still
noticed, but state never holds a secret.
The workspace writes the document atomically. While resources are applied,
``recorder.py`` records each change as it lands: a workspace that keeps a
journal (the local one) appends it there, and ``read_state`` hands the entries
back under ``journal`` (``from_dict`` replays those made on top of this
document's ``serial``); other workspaces get the whole document again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.secrets import Secrets, new_salt
from mlops_stacks.workspace.documents import (
    STATE_VERSION,
    ResourceEntry,
    StateDocument,
    UserConfig,
    resource_entry,
    state_document,
)
from mlops_stacks.workspace.protocol import Workspace


def fingerprint(config: JsonValue, salt: str = "") -> str:
    """A stable hash of a configuration value (key order does not matter), salted when
    ``salt`` is given (so a state file's hashes cannot be matched against guesses)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()


@dataclass
class ResourceState:
    """One deployed resource."""

    id: str
    fingerprint: str
    config: UserConfig
    name: str | None = None

    @classmethod
    def from_entry(cls, entry: ResourceEntry) -> ResourceState:
        return cls(id=entry["id"], fingerprint=entry["fingerprint"], config=entry["config"],
                   name=entry.get("name"))

    def to_dict(self, secrets: Secrets | None = None) -> ResourceEntry:
        out = ResourceEntry(id=self.id, fingerprint=self.fingerprint,
                            config=(secrets or Secrets()).sealed(self.config))
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass
class DeploymentState:
    bundle: str = ""
    target: str = ""
    serial: int = 0
    updated_at: str = ""
    files: dict[str, str] = field(default_factory=dict)
    """Synced files: relative path -> sha256 of the content."""
    resources: dict[str, dict[str, ResourceState]] = field(default_factory=dict)
    """kind -> key -> deployed resource."""
    salt: str = field(default_factory=new_salt)
    """Salt of the fingerprints and of the hashes that stand for secrets."""
    secrets: Secrets | None = None
    """What counts as a secret (the bundle's sensitive variables); not saved."""

    def hider(self) -> Secrets:
        """The secrets of this state, salted with its salt."""
        if self.secrets is None or self.secrets.salt != self.salt:
            values = self.secrets.values if self.secrets is not None else ()
            self.secrets = Secrets(values, self.salt)
        return self.secrets

    def use_secrets(self, secrets: Secrets) -> None:
        """Hide ``secrets``' values too (a bundle's sensitive variables)."""
        self.secrets = Secrets(secrets.values, self.salt)

    def fingerprint(self, config: JsonValue) -> str:
        return fingerprint(config, self.salt)

    # -- queries ----------------------------------------------------------------
    def get(self, kind: str, key: str) -> ResourceState | None:
        return self.resources.get(kind, {}).get(key)

    def all(self) -> list[tuple[str, str, ResourceState]]:
        return [(k, key, r) for k, items in self.resources.items() for key, r in items.items()]

    def ids(self) -> dict[tuple[str, str], str]:
        return {(kind, key): r.id for kind, key, r in self.all()}

    @property
    def is_empty(self) -> bool:
        return not self.files and not any(self.resources.values())

    # -- changes -----------------------------------------------------------------
    def put(self, kind: str, key: str, resource: ResourceState) -> None:
        self.resources.setdefault(kind, {})[key] = resource

    def remove(self, kind: str, key: str) -> None:
        items = self.resources.get(kind, {})
        items.pop(key, None)
        if not items:
            self.resources.pop(kind, None)

    # -- (de)serialisation ------------------------------------------------------------
    def to_dict(self) -> StateDocument:
        return StateDocument(
            version=STATE_VERSION,
            bundle=self.bundle,
            target=self.target,
            serial=self.serial,
            updated_at=self.updated_at,
            salt=self.salt,
            files=dict(sorted(self.files.items())),
            resources={
                kind: {key: r.to_dict(self.hider()) for key, r in sorted(items.items())}
                for kind, items in sorted(self.resources.items())
            },
        )

    @classmethod
    def from_dict(cls, data: JsonMapping, where: str = "the deployment state") -> (
            DeploymentState):
        """The state in a document (checked: ``WorkspaceError`` when newer or malformed)."""
        doc = state_document(data, where)
        resources = {
            kind: {key: ResourceState.from_entry(r) for key, r in items.items()}
            for kind, items in doc["resources"].items()
        }
        state = cls(
            bundle=doc["bundle"], target=doc["target"], serial=doc["serial"],
            updated_at=doc["updated_at"], files=doc["files"], resources=resources,
            salt=doc["salt"],
        )
        state.replay(doc.get("journal", []))
        return state

    def replay(self, entries: Iterable[JsonValue]) -> None:
        """Apply the journal entries recorded on top of this document (same ``base``
        serial); entries of an older document, or damaged ones, are ignored."""
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("base") != self.serial:
                continue
            kind, key, res = entry.get("kind"), entry.get("key"), entry.get("resource")
            if not isinstance(kind, str) or not isinstance(key, str):
                continue
            if res is None:
                self.remove(kind, key)
            elif isinstance(res, dict) and "id" in res:
                self.put(kind, key, ResourceState.from_entry(resource_entry(res)))

    def journal_entry(self, kind: str, key: str) -> JsonObject:
        """The journal entry for the current state of ``kind.key`` (gone: ``resource`` null)."""
        res = self.get(kind, key)
        return {"base": self.serial, "kind": kind, "key": key,
                "resource": res.to_dict(self.hider()) if res is not None else None}


def load_state(workspace: Workspace, bundle: str = "", target: str = "") -> DeploymentState:
    """The target's state, or an empty one before the first deploy."""
    data = workspace.read_state()
    if data is None:
        return DeploymentState(bundle=bundle, target=target)
    state = DeploymentState.from_dict(data)
    state.bundle = state.bundle or bundle
    state.target = state.target or target
    return state


def next_document(state: DeploymentState) -> StateDocument:
    """``state`` as the next document to write (its serial bumped)."""
    state.serial += 1
    state.updated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return state.to_dict()


def save_state(workspace: Workspace, state: DeploymentState) -> None:
    """Persist ``state`` (atomically, through the workspace), bumping its serial."""
    workspace.write_state(next_document(state))
