"""``DatabricksWorkspace``: the ``Workspace`` protocol on a Databricks workspace.

Each group of the protocol is delegated to one module: files (``files.py``),
state (``state.py``), lock (``lock.py``), resources (``resources.py``) and job
runs (``runs.py``). This class wires them to one authenticated connection and
the target's workspace paths.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.errors import RunError, WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.parallelism import parallelism_from
from mlops_stacks.workspace.databricks.auth import (
    ENV_POLL_INTERVAL,
    Connection,
    connect,
    env_float,
    me,
)
from mlops_stacks.workspace.databricks.files import FileSync
from mlops_stacks.workspace.databricks.listing import JobListing
from mlops_stacks.workspace.databricks.lock import RemoteLock
from mlops_stacks.workspace.databricks.registry import KINDS, handler
from mlops_stacks.workspace.databricks.resources import Jobs, Kind
from mlops_stacks.workspace.databricks.state import RemoteState
from mlops_stacks.workspace.documents import ResourceEntry, StateDocument, deployed_id
from mlops_stacks.workspace.protocol import (
    FileInfo,
    LockInfo,
    LockResult,
    ResourceRef,
    WorkspaceInfo,
)

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.runner.events import RunEvent
    from mlops_stacks.workspace.databricks.runs import DatabricksRunRecord, Runs

log = logging.getLogger("mlops_stacks.databricks")

#: From this many deployed jobs on, ``missing_resources`` reads the Jobs list (100 a page)
#: instead of each job.
BULK_JOBS = 10


def _usable(path: JsonValue) -> str | None:
    return (
        str(path).rstrip("/")
        if isinstance(path, str) and path.startswith("/") and "${" not in path
        else None
    )


class DatabricksWorkspace:
    """One target of a bundle on a Databricks workspace."""

    kind = "databricks"

    def __init__(
        self,
        conn: Connection,
        *,
        bundle_name: str,
        target: str,
        root_path: str | None = None,
        file_path: str | None = None,
        state_path: str | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.conn = conn
        self.bundle_name = bundle_name
        self.target = target
        self.on_warning = on_warning
        self.warnings: list[str] = []
        self._user: JsonObject | None = None
        root = _usable(root_path)
        if root is None:
            user = self.current_user()["userName"]
            root = f"/Workspace/Users/{user}/.bundle/{bundle_name}/{target}"
        self.root_path = root
        self.file_path = _usable(file_path) or f"{root}/files"
        self.state_path = _usable(state_path) or f"{root}/state"
        self.files = FileSync(conn, self.file_path, self.state_path)
        self.state = RemoteState(self.files, self.state_path)
        self.lock = RemoteLock(self.files, self.state_path, target)
        self._runs: Runs | None = None
        self._context = {"metadata_path": f"{self.state_path}/metadata.json"}
        self.job_listing = JobListing(conn)
        self.read_parallelism = parallelism_from(None)
        """Reads at once when checking what still exists (``--parallelism``)."""
        self._destroyed = False
        self._root_gone = False

    @classmethod
    def for_bundle(cls, bundle: Bundle, *, profile: str | None = None) -> DatabricksWorkspace:
        ws = bundle.workspace
        conn = connect(bundle.host, profile or ws.get("profile") or None)
        return cls(
            conn,
            bundle_name=bundle.name,
            target=bundle.target,
            root_path=ws.get("root_path"),
            file_path=ws.get("file_path"),
            state_path=ws.get("state_path"),
        )

    # -- helpers ------------------------------------------------------------------
    @property
    def runs(self) -> Runs:
        """Job runs (made on first use: plan and deploy never load the runner)."""
        if self._runs is None:
            from mlops_stacks.workspace.databricks.runs import Runs

            self._runs = Runs(self.conn, poll_interval=env_float(ENV_POLL_INTERVAL, 5.0))
        return self._runs

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning(message)
        if self.on_warning is not None:
            self.on_warning(message)

    def current_user(self) -> JsonObject:
        if self._user is None:
            self._user = me(self.conn)
        return self._user

    def _kind(self, kind: str) -> Kind:
        found = handler(kind, self.conn, self.warn, self._context)
        if isinstance(found, Jobs):
            found.listing = self.job_listing
        return found

    # -- description --------------------------------------------------------------
    def info(self) -> WorkspaceInfo:
        return WorkspaceInfo(
            kind="databricks",
            host=self.conn.host,
            root_path=self.root_path,
            file_path=self.file_path,
            state_path=self.state_path,
            credentials=self.conn.ctx.credential_source,
        )

    def deployable_kinds(self) -> frozenset[str]:
        return frozenset(KINDS)

    def resource_locator(self, ref: ResourceRef) -> str:
        if ref.url:
            return ref.url
        try:
            return self._kind(ref.kind).url(ref.id, ref.name)
        except WorkspaceError:
            return self.conn.host

    # -- files ----------------------------------------------------------------------
    def list_files(self) -> dict[str, FileInfo]:
        return self.files.list()

    def upload_file(self, path: str, source: Path) -> None:
        self.files.upload(path, source)

    def delete_file(self, path: str) -> None:
        self.files.delete(path)

    def make_folder(self, folder: str) -> None:
        self.files.make_folder(folder)

    def remove_folder(self, folder: str) -> None:
        self.files.remove_folder(folder)

    def load_sync_record(self) -> None:
        self.files.list()

    def delete_all_files(self) -> None:
        self.files.delete_all()

    # -- state ----------------------------------------------------------------------
    def read_state(self) -> StateDocument | None:
        return self.state.read()

    def write_state(self, state: StateDocument) -> None:
        # The sync manifest goes first: state never claims more than the manifest knows.
        self.files.flush()
        self.state.write(state)

    def delete_state(self) -> None:
        self.state.delete()
        self.files.delete_path(self._context["metadata_path"])
        # Destroy: once the lock is released, the whole root folder goes too.
        self._destroyed = True

    def delete_deployment(self) -> None:
        """One recursive delete of the root folder when it holds the synced files and the
        state (and so the lock): the default layout. Otherwise files, then state."""
        inside = self.root_path + "/"
        if not (self.file_path.startswith(inside) and self.state_path.startswith(inside)):
            self.delete_all_files()
            self.delete_state()
            return
        self.files.delete_path(self.root_path, recursive=True)
        self.files.forget()
        self._root_gone = True

    # -- lock -----------------------------------------------------------------------
    def acquire_lock(self, *, force: bool = False) -> LockResult:
        return self.lock.acquire(force=force)

    def release_lock(self, lock: LockInfo) -> None:
        if self._root_gone:  # the lock went with the root folder
            return
        with self.conn.deadline.grace():
            if not self._destroyed:
                self.files.flush()
            self.lock.release(lock)
            if self._destroyed and self.read_lock() is None:
                self.files.delete_path(self.root_path, recursive=True)

    def read_lock(self) -> LockInfo | None:
        return self.lock.read()

    # -- resources ------------------------------------------------------------------
    def create_resource(self, kind: str, key: str, config: JsonMapping) -> ResourceRef:
        return self._kind(kind).create(key, config)

    def update_resource(
        self,
        kind: str,
        key: str,
        resource_id: str,
        config: JsonMapping,
        previous: JsonMapping | None = None,
    ) -> ResourceRef:
        return self._kind(kind).update(key, resource_id, config, previous)

    def delete_resource(self, kind: str, key: str, resource_id: str) -> None:
        self._kind(kind).delete(key, resource_id)

    def get_resource(self, kind: str, key: str, resource_id: str) -> JsonObject | None:
        return self._kind(kind).get(key, resource_id)

    def read_ahead(self, kinds: Mapping[str, int]) -> None:
        """Start the reads ``missing_resources`` will make for a bundle with ``kinds``
        (kind -> resources of that kind), in the background: the Jobs list from
        ``BULK_JOBS`` jobs on."""
        if kinds.get("jobs", 0) >= BULK_JOBS:
            self.job_listing.read_ahead()

    def missing_resources(self, refs: Sequence[ResourceRef]) -> list[ResourceRef]:
        """Reads only: jobs from the Jobs list (100 a page) when there are
        ``BULK_JOBS`` or more of them, every other resource by its own GET, up to
        ``read_parallelism`` at once. Kinds this backend cannot read count as present."""
        refs = [ref for ref in refs if ref.kind in KINDS]
        jobs = [ref for ref in refs if ref.kind == "jobs"]
        bulk = len(jobs) >= BULK_JOBS
        if bulk:
            listed = self.job_listing.jobs()
            gone = [ref for ref in jobs if ref.id not in listed]
            refs = [ref for ref in refs if ref.kind != "jobs"]
        else:
            gone = []

        def missing(ref: ResourceRef) -> bool:
            return self._kind(ref.kind).get(ref.key, ref.id) is None

        if len(refs) <= 1 or self.read_parallelism <= 1:
            found = [missing(ref) for ref in refs]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=self.read_parallelism,
                                    thread_name_prefix="mlops-stacks-read") as pool:
                found = list(pool.map(missing, refs))
        gone += [ref for ref, is_gone in zip(refs, found, strict=True) if is_gone]
        return gone

    # -- pipelines ------------------------------------------------------------------
    def run_pipeline(
        self,
        key: str,
        *,
        full_refresh: bool = False,
        on_state: Callable[[str], None] | None = None,
    ) -> JsonObject:
        """Run an update of the deployed pipeline ``key`` and wait for it to finish."""
        from mlops_stacks.workspace.databricks.compute_kinds import Pipelines

        pipeline_id = deployed_id(self.read_state(), "pipelines", key)
        if pipeline_id is None:
            raise RunError(
                f"Pipeline '{key}' is not deployed to target '{self.target}' on {self.conn.host}.",
                hint=f"Deploy first: mlops-stacks deploy -t {self.target}",
            )
        kind = self._kind("pipelines")
        assert isinstance(kind, Pipelines)
        return kind.run(key, pipeline_id, full_refresh=full_refresh,
                        poll_interval=self.runs.poll_interval, on_state=on_state)  # fmt: skip

    # -- job runs -------------------------------------------------------------------
    def job_id(self, key: str, state: StateDocument | None = None) -> str:
        """The deployed ID of job ``key``, from the deployment state."""
        state = state if state is not None else self.read_state()
        job_id = deployed_id(state, "jobs", key)
        if job_id is None:
            known = sorted(_jobs(state))
            raise RunError(
                f"Job '{key}' is not deployed to target '{self.target}' on {self.conn.host}.",
                hint=(
                    f"Deployed jobs: {', '.join(known)}."
                    if known
                    else f"Deploy first: mlops-stacks deploy -t {self.target}"
                ),
            )
        return job_id

    def start_run(
        self, key: str, *, params: Mapping[str, str] | None = None, only: list[str] | None = None
    ) -> str:
        """Start job ``key`` and return the run ID at once (``run --no-wait``)."""
        return self.runs.start(self.job_id(key), key, params, only)

    def run_job(
        self,
        key: str,
        *,
        params: Mapping[str, str] | None = None,
        only: list[str] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> DatabricksRunRecord:
        """Start job ``key`` and follow it until it ends, ``timeout`` seconds pass, or the
        job's ``timeout_seconds`` (plus a grace for the workspace to end it)."""
        state = self.read_state()
        job_id = self.job_id(key, state)
        entry = _jobs(state).get(key)
        job_timeout = entry["config"].get("timeout_seconds") if entry is not None else None
        run_id = self.runs.start(job_id, key, params, only)
        if not wait:
            return self.runs.get(run_id, key)
        limit = self.runs.time_limit(timeout, job_timeout)
        return self.runs.follow(run_id, key, on_event, time_limit=limit)

    def list_runs(
        self, key: str | None = None, *, limit: int | None = None,
        unreadable: list[Path] | None = None,
    ) -> list[DatabricksRunRecord]:
        """The runs' records come from the workspace: none is unreadable on this machine."""
        state = self.read_state()
        keys = [key] if key else sorted(_jobs(state))
        records: list[DatabricksRunRecord] = []
        for k in keys:
            job_id = deployed_id(state, "jobs", k)
            if job_id is not None:
                records.extend(self.runs.list(job_id, k))
        records.sort(key=lambda r: (r.start_time or 0.0, r.run_id), reverse=True)
        return records if limit is None else records[:limit]

    def get_run(self, run_id: str) -> DatabricksRunRecord:
        # ``runs get --follow`` polls this for as long as the run lasts: like the polls of
        # ``run``, each read gets the whole HTTP deadline (the wait is bounded elsewhere).
        self.conn.deadline.restart()
        record = self.runs.get(run_id)
        state = self.read_state()
        for k in _jobs(state):
            if deployed_id(state, "jobs", k) == record.job_id:
                record.job_key = k
        return record

    def cancel_run(self, run_id: str, *, wait: bool = True) -> DatabricksRunRecord:
        """``jobs/runs/cancel``; with ``wait``, follow the run until it has ended."""
        record = self.get_run(run_id)
        if record.done:
            return record
        self.runs.cancel(run_id)
        if wait:
            self.runs.follow(run_id, record.job_key, None)
        return self.get_run(run_id)


def _jobs(state: StateDocument | None) -> dict[str, ResourceEntry]:
    """The deployed jobs in ``state``, by key."""
    return state["resources"].get("jobs", {}) if state is not None else {}
