"""The ``Workspace`` protocol: everything ``deploy/`` and ``run`` need from a workspace.

A workspace is where one target of a bundle is deployed: the embedded local
workspace (``workspace/local.py``) or a Databricks workspace. ``deploy/``
talks only to this protocol, so it knows nothing of disks or REST APIs.

Five groups of operations:

- **files**: the synced copy of the bundle root. Paths are POSIX paths
  relative to the bundle root (``training/notebooks/Train.py``).
- **state**: one JSON document per target, a ``documents.StateDocument``
  (``deploy/state.py`` reads and changes it). ``write_state`` must be atomic: a
  reader sees the old document or the new one, never a mix.
- **lock**: one deploy (or destroy) at a time per target. ``acquire_lock``
  fails fast with ``LockError`` naming the holder and since when.
- **resources** by kind (``jobs``, ``experiments``, ``registered_models``,
  ``models``, ``model_serving_endpoints``, ``quality_monitors``): create,
  update, delete, get, and which recorded resources are gone. IDs are strings.
- **job runs**: run a deployed job (and wait, or start it in the background),
  list runs, get one run.

Rules every backend follows so that an interrupted deploy converges:

- ``create_resource`` is idempotent by identity: when a resource with the
  same identity already exists (the experiment or registered model name, the
  job key of this bundle), it is adopted (updated to ``config``) and its ID
  returned, instead of creating a duplicate or failing. A deploy killed
  between creating a resource and recording it in state relies on this.
- ``delete_resource`` and ``delete_file`` succeed when the thing is already
  gone.
- ``missing_resources`` only reads (a deploy with nothing to do must send no
  writes) and is cheap: it runs before every plan and deploy.
- Errors are raised as ``WorkspaceError`` (or a subclass) with a message that
  names the resource and says what to do.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mlops_stacks.jsontypes import JsonMapping, JsonObject
from mlops_stacks.workspace.documents import StateDocument

if TYPE_CHECKING:
    from mlops_stacks.runner.events import RunEvent
    from mlops_stacks.runner.record import RunRecord

#: Resource kinds whose deletion destroys user data (runs, model versions, files, tables).
#: ``deploy`` and ``destroy`` ask before deleting them unless ``--auto-approve``.
DATA_HOLDING_KINDS = frozenset(
    {"experiments", "registered_models", "models", "schemas", "volumes"}
)


@dataclass(frozen=True)
class FileInfo:
    """One synced file: its path relative to the bundle root and content hash."""

    path: str
    sha256: str
    size: int = 0


class Deferred(Exception):  # noqa: N818 - a signal, not a failure
    """``create_resource`` cannot create this resource yet (e.g. a serving endpoint whose
    model version is not registered); the deploy notes it and tries again next time."""


@dataclass(frozen=True)
class ResourceRef:
    """Where a deployed resource lives: its kind, bundle key and workspace ID."""

    kind: str
    key: str
    id: str
    name: str | None = None
    """The display name in the workspace (experiment name, model full name), if any."""
    url: str | None = None
    """A link or locator a user can open, if the workspace has one."""

    def to_dict(self) -> JsonObject:
        return asdict(self)


@dataclass(frozen=True)
class LockInfo:
    """Who holds a target's deployment lock, and since when."""

    user: str
    host: str
    pid: int
    since: str
    """ISO 8601 time (UTC) the lock was taken."""
    token: str = ""
    """Random value identifying this acquisition (release only removes one's own lock)."""

    @property
    def holder(self) -> str:
        return f"{self.user}@{self.host} (pid {self.pid})"

    def to_dict(self) -> JsonObject:
        return {"holder": f"{self.user}@{self.host}", **asdict(self)}

    @classmethod
    def from_dict(cls, data: JsonMapping) -> LockInfo:
        return cls(
            user=str(data.get("user", "?")),
            host=str(data.get("host", "?")),
            pid=int(data.get("pid", 0) or 0),
            since=str(data.get("since", "?")),
            token=str(data.get("token", "")),
        )

    @classmethod
    def for_this_process(cls, token: str) -> LockInfo:
        try:
            user = getpass.getuser()
        except Exception:  # no user name in some containers
            user = "unknown"
        return cls(
            user=user,
            host=socket.gethostname(),
            pid=os.getpid(),
            since=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            token=token,
        )


@dataclass
class LockResult:
    """What ``acquire_lock`` did: the lock now held, and any lock it broke."""

    lock: LockInfo
    broken: LockInfo | None = None
    reason: str = ""
    """Why a previous lock was broken (``stale``: its process is gone; ``forced``)."""


@dataclass
class WorkspaceInfo:
    """What ``summary`` shows about a workspace. Fields a backend does not have stay ``None``."""

    kind: str
    """``local`` or ``databricks``."""
    host: str
    root_path: str
    file_path: str
    state_path: str | None = None
    """Databricks: where the deployment state and lock live in the workspace."""
    credentials: str | None = None
    """Databricks: where the credentials came from (never the secret itself)."""
    directory: str | None = None
    """Local: the target's folder (``.mlops-stacks/<target>``)."""
    files: str | None = None
    """Local: the synced copy of the bundle that jobs run from."""
    state: str | None = None
    """Local: the deployment state file."""
    mlflow_tracking_uri: str | None = None
    mlflow_registry_uri: str | None = None
    mlflow_artifact_root: str | None = None
    mlflow_ui: str | None = None
    """Local: the ``mlflow ui`` command that opens the store (``mlops-stacks open`` runs it)."""

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@runtime_checkable
class Workspace(Protocol):
    """One deployment target's workspace. See the module docstring for the rules."""

    # -- description ----------------------------------------------------------
    def info(self) -> WorkspaceInfo:
        """Host, paths and backend details, for ``summary``."""
        ...

    def resource_locator(self, ref: ResourceRef) -> str:
        """How a user opens this resource (a URL, or a command for local)."""
        ...

    def deployable_kinds(self) -> frozenset[str]:
        """The resource kinds this workspace can create, update and delete."""
        ...

    # -- files ------------------------------------------------------------------
    def list_files(self) -> dict[str, FileInfo]:
        """Every synced file, by relative path, with its content hash."""
        ...

    def upload_file(self, path: str, source: Path) -> None:
        """Copy the local file ``source`` to the synced ``path`` (replacing it)."""
        ...

    def delete_file(self, path: str) -> None:
        """Remove a synced file; no error when it is already gone."""
        ...

    def delete_all_files(self) -> None:
        """Remove the whole synced copy (``destroy``)."""
        ...

    # -- state ------------------------------------------------------------------
    def read_state(self) -> StateDocument | None:
        """The deployment state document, or ``None`` before the first deploy.

        A state that exists but cannot be read raises ``WorkspaceError`` with a fix.
        """
        ...

    def write_state(self, state: StateDocument) -> None:
        """Replace the state document atomically."""
        ...

    def delete_state(self) -> None:
        """Forget the deployment state (``destroy``)."""
        ...

    def delete_deployment(self) -> None:
        """Remove the synced files and the state together: the last step of a ``destroy``
        that deleted every resource. The lock may go with them (a Databricks target's root
        folder holds all three); ``release_lock`` then has nothing left to do."""
        ...

    # -- lock -------------------------------------------------------------------
    def acquire_lock(self, *, force: bool = False) -> LockResult:
        """Take the target's deployment lock or raise ``LockError`` naming its holder.

        A lock left by a process that is gone may be broken automatically (the
        result says so); ``force=True`` breaks any lock.
        """
        ...

    def release_lock(self, lock: LockInfo) -> None:
        """Release ``lock`` if it is still ours (never someone else's)."""
        ...

    def read_lock(self) -> LockInfo | None:
        """The current holder, if the target is locked."""
        ...

    # -- resources --------------------------------------------------------------
    def create_resource(self, kind: str, key: str, config: JsonMapping) -> ResourceRef:
        """Create (or adopt, see the rules) a resource; returns its reference with ID."""
        ...

    def update_resource(
        self,
        kind: str,
        key: str,
        resource_id: str,
        config: JsonMapping,
        previous: JsonMapping | None = None,
    ) -> ResourceRef:
        """Bring an existing resource to ``config``; ``previous`` is what was deployed.

        May return a new ID when the backend had to recreate the resource.
        """
        ...

    def delete_resource(self, kind: str, key: str, resource_id: str) -> None:
        """Delete a resource; no error when it is already gone."""
        ...

    def get_resource(self, kind: str, key: str, resource_id: str) -> JsonObject | None:
        """The resource as the workspace sees it, or ``None`` when it does not exist."""
        ...

    def missing_resources(self, refs: Sequence[ResourceRef]) -> list[ResourceRef]:
        """Those of ``refs`` that no longer exist (deleted outside mlops-stacks).

        A resource in a deleted-but-restorable state (an MLflow experiment in
        the trash) counts as missing: creating it again restores it.
        """
        ...

    # -- job runs ---------------------------------------------------------------
    def run_job(
        self,
        key: str,
        *,
        params: Mapping[str, str] | None = None,
        only: list[str] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        timeout: float | None = None,
    ) -> RunRecord:
        """Run the deployed job ``key`` and wait for it; returns its record.

        The wait ends after ``timeout`` seconds or the job's ``timeout_seconds``,
        whichever is shorter; the record then says the run timed out (FAILED).
        """
        ...

    def start_run(
        self,
        key: str,
        *,
        params: Mapping[str, str] | None = None,
        only: list[str] | None = None,
    ) -> str:
        """Start the deployed job ``key`` without waiting; returns the run ID (``run --no-wait``).

        ``get_run`` and ``list_runs`` follow the run from there.
        """
        ...

    def list_runs(self, key: str | None = None, *, limit: int | None = None,
                  unreadable: list[Path] | None = None) -> list[RunRecord]:
        """Run records, newest first, optionally of one job; with ``limit``, at most that
        many (the newest), read without going through every older run. Records kept on
        this machine that cannot be read are left out, their paths added to
        ``unreadable`` (when given) so that a listing can say so."""
        ...

    def get_run(self, run_id: str) -> RunRecord:
        """One run record by ID; ``WorkspaceError`` when unknown."""
        ...

    def cancel_run(self, run_id: str, *, wait: bool = True) -> RunRecord:
        """Cancel run ``run_id`` (its running tasks stop, the rest never start) and
        return its record; with ``wait``, once it has ended (CANCELED, or how it
        ended first). A run that already ended is returned as it is."""
        ...


@runtime_checkable
class JournaledState(Protocol):
    """A workspace that can record one state change without rewriting the whole document.

    ``append_state_entry`` adds an entry (``deploy/state.py`` makes it) durably;
    ``read_state`` returns the entries recorded since under ``journal``, and
    ``write_state`` starts the journal over. The local workspace has one, so a
    deploy of thousands of resources records each change in constant time.
    """

    def append_state_entry(self, entry: JsonMapping) -> None:
        """Append ``entry`` to the state's journal (durable once this returns)."""
        ...


@runtime_checkable
class RemoteFiles(Protocol):
    """A workspace whose synced files are uploaded over the network (Databricks).

    Before its uploads, the sync reads the record of what was uploaded last time
    and creates the folders its new files go into (``SyncPlan.new_folders``: the
    innermost ones; each call creates the parents too), all at once. After them, it
    removes the folders left empty (``SyncPlan.gone_folders``).
    """

    def make_folder(self, folder: str) -> None:
        """Create the synced folder ``folder`` (relative; ``""``: the root) and its parents."""
        ...

    def remove_folder(self, folder: str) -> None:
        """Delete the synced folder ``folder`` if it is empty (after the sync deleted the
        files in it); one that is gone, or holds something else, is left alone."""
        ...

    def load_sync_record(self) -> None:
        """Read the record of the files uploaded last time (once; uploads and deletes
        use it)."""
        ...


def max_parallelism(workspace: object) -> int | None:
    """The most changes ``workspace`` takes at once (``None``: no limit of its own).

    The local workspace works on the local disk and its MLflow store, one change
    at a time; a remote workspace waits on the network, so changes overlap.
    """
    value = getattr(workspace, "max_parallelism", None)
    return value if isinstance(value, int) and value >= 1 else None
