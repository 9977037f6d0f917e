"""The embedded local workspace: one directory per target under the bundle root.

::

    <bundle root>/.mlops-stacks/<target>/
      files/          synced copy of the bundle (``workspace.file_path`` maps here)
      state.json      deployment state (written atomically)
      state.journal   changes applied since state.json was written (``local_state``)
      deploy.lock     who is deploying, since when (see ``local_lock``)
      jobs/<key>.json deployed job definitions with their IDs
      resources/<kind>/<key>.json   other resources (serving endpoints, monitors)
      runs/           job run records (written by ``mlops_stacks.runner``)
      mlflow/         MLflow store: ``mlflow.db`` (tracking + registry), ``artifacts/``

Nothing here imports MLflow at module level; see ``local_mlflow``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.fileio import (
    atomic_copy,
    atomic_write_bytes,
    atomic_write_json,
    is_temp_name,
    sha256_file,
)
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.names import name_problem, shown
from mlops_stacks.secrets import SecretMismatch, Secrets, bundle_secrets, new_salt, unseal
from mlops_stacks.state_files import DamagedFile, read_json_object
from mlops_stacks.workspace import local_lock, local_state
from mlops_stacks.workspace.documents import StateDocument, state_document
from mlops_stacks.workspace.local_kinds import (
    LOCAL_MEANINGS,
    VOLUMES_ENV,
    folder_of,
    remove_folder,
    served_versions,
)
from mlops_stacks.workspace.local_mlflow import MlflowResources, registered_model_name
from mlops_stacks.workspace.protocol import (
    Deferred,
    FileInfo,
    LockInfo,
    LockResult,
    ResourceRef,
    WorkspaceInfo,
)

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.runner.events import RunEvent
    from mlops_stacks.runner.record import RunRecord

#: Folder (under the bundle root) that holds every local target.
LOCAL_DIR = ".mlops-stacks"
#: Resource kinds kept in the MLflow model registry.
_MLFLOW_MODEL_KINDS = ("registered_models", "models")
_MLFLOW_KINDS = ("experiments", *_MLFLOW_MODEL_KINDS)
#: Suffixes a notebook path may have dropped (workspace paths omit them).
_NOTEBOOK_SUFFIXES = (".py", ".ipynb", ".sql", ".scala", ".r", ".R")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_root_path(bundle_name: str, target: str, user: str | None = None) -> str:
    """``/Workspace/Users/<user>/.bundle/<bundle>/<target>``, as Databricks defaults it."""
    if user is None:
        import getpass

        try:
            user = getpass.getuser()
        except Exception:
            user = "unknown"
    return f"/Workspace/Users/{user}/.bundle/{bundle_name}/{target}"


class LocalWorkspace:
    """The ``Workspace`` protocol on the local disk. See the module docstring for the layout."""

    #: Kinds with a local meaning (``local_kinds``); deploy skips the others, saying so.
    local_meanings = LOCAL_MEANINGS
    #: Changes are local disk and MLflow store work: one at a time (``protocol.max_parallelism``).
    max_parallelism = 1

    def __init__(
        self, bundle_root: Path, target: str, *, bundle_name: str = "",
        root_path: str | None = None, file_path: str | None = None,
    ) -> None:
        self.bundle_root = Path(bundle_root).resolve()
        problem = name_problem(target)
        if problem:
            raise WorkspaceError(f'Target name "{shown(target)}" {problem}.',
                                 hint="Use a target defined under `targets:` in databricks.yml.")
        self.target = target
        self.bundle_name = bundle_name
        self.dir = self.bundle_root / LOCAL_DIR / target
        self._check_layout()
        self.root_path = (root_path or default_root_path(bundle_name, target)).rstrip("/")
        self.file_path = (file_path or f"{self.root_path}/files").rstrip("/")
        self.mlflow = MlflowResources(self.dir / "mlflow")
        self._secret_values: list[str] = []
        self._configs: dict[tuple[str, str], JsonValue] = {}  # the bundle's resources, for unseal
        self._secrets: Secrets | None = None
        self.spark_remote = ""  # the target's Spark Connect endpoint (runner/spark)
        self._last_job_id: int | None = None  # the job-ID counter (``_next_job_id``)

    @classmethod
    def for_bundle(cls, bundle: Bundle) -> LocalWorkspace:
        ws = bundle.workspace
        out = cls(
            bundle.root, bundle.target, bundle_name=bundle.name,
            root_path=ws.get("root_path"), file_path=ws.get("file_path"),
        )
        out._secret_values = bundle_secrets(bundle.config).values
        from mlops_stacks.runner import spark

        out.spark_remote = spark.remote_setting(bundle.config)
        out._configs = {(kind, key): config for kind, key, config in bundle.all_resources()}
        return out

    # -- secrets ------------------------------------------------------------------------
    def _hider(self) -> Secrets:
        """Secrets of the bundle, salted with this target's salt (made on first use)."""
        if self._secrets is None:
            salt_file = self._inside(self.dir / "secrets.salt")
            try:
                salt = salt_file.read_bytes().decode("ascii").strip()
            except FileNotFoundError:
                salt = ""
            except (OSError, UnicodeDecodeError):
                raise DamagedFile(
                    f"The secrets salt {salt_file} is damaged: it is not the text it was.",
                    hint=f"Delete it and run `mlops-stacks deploy -t {self.target}`: the jobs "
                    "are written again with a new salt.",
                ) from None
            if not salt:
                salt = new_salt()
                atomic_write_bytes(salt_file, salt.encode("ascii"))
            self._secrets = Secrets(self._secret_values, salt)
        return self._secrets

    def _unsealed_settings(self, key: str) -> JsonObject:
        """The deployed settings of job ``key`` with its secrets (stored as hashes) taken
        from the bundle as loaded now."""
        settings = self.job_settings(key)
        try:
            unsealed: JsonObject = unseal(settings, self._configs.get(("jobs", key)),
                                              self._hider())
            return unsealed
        except SecretMismatch as exc:
            raise WorkspaceError(
                f"The secret value at {exc.path} of job '{key}' is not the one deployed "
                "(the deployment keeps only a hash of it).",
                hint="Pass the same --var / BUNDLE_VAR_<name> values as for the deploy, or "
                f"run `mlops-stacks deploy -t {self.target}` with the new ones.",
            ) from None

    # -- containment ----------------------------------------------------------------
    def _check_layout(self) -> None:
        """Refuse to work when ``.mlops-stacks``, the target's folder or one of its parts is
        a symbolic link leading out of the bundle (writes and deletes would land there)."""
        self._real_dir = self.dir.resolve()
        if not self._real_dir.is_relative_to(self.bundle_root):
            self._refuse(self.dir)
        for name in ("files", "jobs", "resources", "runs", "mlflow", "state.json",
                     local_state.JOURNAL_NAME, "deploy.lock", "secrets.salt"):
            part = self.dir / name
            if part.is_symlink() and not part.resolve().is_relative_to(self._real_dir):
                self._refuse(part)

    def _refuse(self, path: Path) -> None:
        raise WorkspaceError(
            f"Refusing to use {path}: it is a symbolic link (or lies under one) that leads "
            f"outside the bundle, to {path.resolve()}.",
            hint=f"Remove the link; mlops-stacks recreates {LOCAL_DIR}/ as a plain folder "
            "inside the bundle.",
        )

    def _inside(self, path: Path) -> Path:
        """``path`` when its folder is inside the target's folder once links are followed
        (the last part itself is replaced or unlinked, never followed)."""
        parent = path.parent.resolve()
        if parent != self._real_dir and not parent.is_relative_to(self._real_dir):
            self._refuse(path.parent)
        return path

    # -- layout -------------------------------------------------------------------
    @property
    def files_dir(self) -> Path:
        return self.dir / "files"

    @property
    def state_file(self) -> Path:
        return self.dir / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.dir / "deploy.lock"

    @property
    def jobs_dir(self) -> Path:
        return self.dir / "jobs"

    @property
    def runs_dir(self) -> Path:
        return self.dir / "runs"

    @property
    def tracking_uri(self) -> str:
        """``sqlite:///.../mlflow.db``: the MLflow tracking URI of this target."""
        return self.mlflow.tracking_uri

    @property
    def registry_uri(self) -> str:
        """The model registry URI (the same sqlite store as tracking)."""
        return self.mlflow.tracking_uri

    @property
    def artifact_root(self) -> Path:
        return self.mlflow.artifact_root

    def mlflow_env(self) -> dict[str, str]:
        """Environment for job tasks: where MLflow tracks and registers, where tables live."""
        from mlops_stacks.runner import spark

        return {
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "MLFLOW_REGISTRY_URI": self.registry_uri,
            "MLOPS_STACKS_TARGET": self.target,
            VOLUMES_ENV: str(self.volumes_dir),
            **spark.task_env(self.dir, self.spark_remote),
        }

    @property
    def volumes_dir(self) -> Path:
        """Where schemas and volumes live locally (``/Volumes/...`` maps here)."""
        return self.dir / "volumes"

    def mlflow_ui_command(self) -> str:
        """The ``mlflow ui`` command that opens this target's tracking store and registry."""
        return (
            f"mlflow ui --backend-store-uri {shlex.quote(self.tracking_uri)} "
            f"--default-artifact-root {shlex.quote(str(self.artifact_root))}"
        )

    def local_path(self, workspace_path: str) -> Path:
        """The synced local file behind a workspace path (e.g. a task's ``notebook_path``).

        ``<file_path>/training/notebooks/Train`` -> ``files/training/notebooks/Train.py``.
        Relative paths are taken relative to the synced bundle root.
        """
        path = str(workspace_path)
        prefix = self.file_path + "/"
        if path.startswith(prefix):
            rel = path[len(prefix):]
        elif path.startswith("/"):
            if Path(path).is_file():
                return Path(path)
            raise WorkspaceError(
                f"Path {path} is outside the bundle's synced files ({self.file_path}).",
                hint="Refer to files of the bundle (relative paths in the bundle's YAML), "
                "and run `mlops-stacks deploy` first.",
            )
        else:
            rel = path[2:] if path.startswith("./") else path
        base = self.files_dir / PurePosixPath(rel)
        for candidate in (base, *(base.with_name(base.name + s) for s in _NOTEBOOK_SUFFIXES)):
            if candidate.is_file():
                return candidate
        raise WorkspaceError(
            f"{path} is not in the deployed files of target '{self.target}'.",
            hint="Run `mlops-stacks deploy` to sync the bundle's files, and check the path.",
        )

    # -- description ----------------------------------------------------------------
    def info(self) -> WorkspaceInfo:
        return WorkspaceInfo(
            kind="local",
            host="local",
            root_path=self.root_path,
            file_path=self.file_path,
            directory=str(self.dir),
            files=str(self.files_dir),
            state=str(self.state_file),
            mlflow_tracking_uri=self.tracking_uri,
            mlflow_registry_uri=self.registry_uri,
            mlflow_artifact_root=str(self.artifact_root),
            mlflow_ui=self.mlflow_ui_command(),
        )

    def deployable_kinds(self) -> frozenset[str]:
        # Every kind: a local meaning (LOCAL_MEANINGS), or skipped with a note
        # that it runs only on Databricks.
        from mlops_stacks.bundle.model import RESOURCE_KINDS

        return frozenset(RESOURCE_KINDS) | frozenset(LOCAL_MEANINGS)

    def resource_locator(self, ref: ResourceRef) -> str:
        if ref.kind == "jobs":
            return f"mlops-stacks run {ref.key} -t {self.target}"
        if ref.kind in ("experiments", "registered_models", "models"):
            return self.mlflow_ui_command()
        return str(self._record_file(ref.kind, ref.key))

    # -- files ------------------------------------------------------------------------
    def _file(self, path: str) -> Path:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise WorkspaceError(f"Refusing to sync {path!r}: not inside the bundle root.")
        return self._inside(self.files_dir / rel)

    def list_files(self) -> dict[str, FileInfo]:
        out: dict[str, FileInfo] = {}
        if not self.files_dir.is_dir():
            return out
        for dirpath, _dirs, names in os.walk(self.files_dir):
            for name in names:
                full = Path(dirpath) / name
                rel = full.relative_to(self.files_dir).as_posix()
                out[rel] = FileInfo(rel, sha256_file(full), full.stat().st_size)
        return out

    def upload_file(self, path: str, source: Path) -> None:
        dest = self._file(path)
        if dest.is_dir():
            shutil.rmtree(dest)
        atomic_copy(source, dest)

    def delete_file(self, path: str) -> None:
        dest = self._file(path)
        with contextlib.suppress(FileNotFoundError):
            dest.unlink()
        # Remove folders left empty, up to files/.
        parent = dest.parent
        while parent != self.files_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def delete_all_files(self) -> None:
        self._inside(self.files_dir)
        if self.files_dir.is_symlink():
            self.files_dir.unlink()
        shutil.rmtree(self.files_dir, ignore_errors=True)

    # -- state ------------------------------------------------------------------------
    @property
    def journal_file(self) -> Path:
        return self.dir / local_state.JOURNAL_NAME

    def read_state(self) -> StateDocument | None:
        data = local_state.read(self.state_file, self.journal_file)
        return None if data is None else state_document(
            data, f"The deployment state {self.state_file}")

    def write_state(self, state: StateDocument) -> None:
        local_state.write(self._inside(self.state_file), self._inside(self.journal_file), state)

    def append_state_entry(self, entry: JsonMapping) -> None:
        local_state.append(self._inside(self.journal_file), entry)

    def delete_state(self) -> None:
        local_state.delete(self._inside(self.state_file), self._inside(self.journal_file))

    def delete_deployment(self) -> None:
        self.delete_all_files()
        self.delete_state()

    # -- lock -------------------------------------------------------------------------
    def acquire_lock(self, *, force: bool = False) -> LockResult:
        result = local_lock.acquire(self.lock_file, force=force, target=self.target)
        self._remove_stray_records()  # only deploys write them, and this one holds the lock
        return result

    def stray_files(self) -> list[str]:
        """Temp files a killed deploy left among the synced files (relative paths): the
        next deploy deletes them, and ``plan`` lists them."""
        out: list[str] = []
        if self.files_dir.is_dir():
            for dirpath, _dirs, names in os.walk(self.files_dir):
                out.extend(
                    (Path(dirpath) / n).relative_to(self.files_dir).as_posix()
                    for n in names if is_temp_name(n))
        return sorted(out)

    def _remove_stray_records(self) -> None:
        folders = [self.dir, self.jobs_dir, *(self.dir / "resources").glob("*")]
        for folder in folders:
            if folder.is_dir() and not folder.is_symlink():
                for path in folder.iterdir():
                    if is_temp_name(path.name) and path.is_file():
                        with contextlib.suppress(OSError):
                            path.unlink()

    def release_lock(self, lock: LockInfo) -> None:
        local_lock.release(self.lock_file, lock)

    def read_lock(self) -> LockInfo | None:
        return local_lock.read_lock(self.lock_file)

    # -- resources ----------------------------------------------------------------------
    def _record_file(self, kind: str, key: str) -> Path:
        for what, name in (("resource kind", kind), ("resource key", key)):
            problem = name_problem(name)
            if problem:
                raise WorkspaceError(f'The {what} "{shown(name)}" {problem}.',
                                     hint="Rename it in the bundle (`mlops-stacks validate` "
                                     "shows where).")
        if kind == "jobs":
            return self._inside(self.jobs_dir / f"{key}.json")
        return self._inside(self.dir / "resources" / kind / f"{key}.json")

    def _read_record(self, kind: str, key: str, *, strict: bool = False) -> JsonObject | None:
        """The record of a deployed resource; None when missing or (unless ``strict``)
        damaged: deploy then sees the resource as gone and writes it again."""
        try:
            return read_json_object(
                self._record_file(kind, key), what=f"the record of {kind} '{key}'",
                hint=f"Run `mlops-stacks deploy -t {self.target}`: it writes the record again.",
            )  # fmt: skip
        except DamagedFile:
            if strict:
                raise
            return None

    def _next_job_id(self) -> str:
        """One more than the highest job ID: the job records are read once, then counted."""
        if self._last_job_id is None:
            highest = 0
            if self.jobs_dir.is_dir():
                for f in self.jobs_dir.glob("*.json"):
                    with contextlib.suppress(ValueError, OSError, TypeError):
                        highest = max(highest, int(json.loads(f.read_text())["job_id"]))
            self._last_job_id = highest
        self._last_job_id += 1
        return str(self._last_job_id)

    def _write_record(self, kind: str, key: str, config: JsonMapping,
                      resource_id: str | None = None) -> ResourceRef:
        existing = self._read_record(kind, key) or {}
        if kind == "jobs":
            rid = resource_id or existing.get("job_id") or self._next_job_id()
            record = {"job_id": str(rid), "key": key,
                      "settings": self._hider().sealed(dict(config))}
        else:
            rid = resource_id or existing.get("id") or str(config.get("name") or key)
            record = {"id": str(rid), "key": key, "kind": kind,
                      "config": self._hider().sealed(dict(config))}
        record["created_time"] = existing.get("created_time", _now())
        record["updated_time"] = _now()
        # Not forced to disk: a record lost to a power cut reads as missing, and the next
        # deploy recreates it (thousands of jobs deploy without a disk flush each).
        atomic_write_json(self._record_file(kind, key), record, durable=False)
        return ResourceRef(kind, key, str(rid), name=config.get("name"))

    def create_resource(self, kind: str, key: str, config: JsonMapping) -> ResourceRef:
        if kind in _MLFLOW_KINDS:  # the local store keeps hashes of secret tags
            config = self._hider().sealed(dict(config))
        if kind == "experiments":
            exp_id, name = self.mlflow.create_experiment(config)
            return ResourceRef(kind, key, exp_id, name=name)
        if kind in ("registered_models", "models"):
            name = registered_model_name(config) if kind == "registered_models" else str(
                config["name"])
            desc = config.get("comment") if kind == "registered_models" else config.get(
                "description")
            self.mlflow.create_model(name, desc, _kv_tags(config))
            return ResourceRef(kind, key, name, name=name)
        if kind == "model_serving_endpoints":
            self._check_served_versions(config)
        folder = folder_of(self.volumes_dir, kind, config)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        return self._write_record(kind, key, config)

    def _check_served_versions(self, config: JsonMapping) -> None:
        for name, version in served_versions(config):
            if not self.mlflow.has_version(name, version):
                raise Deferred(
                    f"model {name} version {version} is not registered in the local MLflow "
                    "registry yet; run the training job, then deploy again to serve it."
                )

    def update_resource(
        self, kind: str, key: str, resource_id: str, config: JsonMapping,
        previous: JsonMapping | None = None,
    ) -> ResourceRef:
        if kind in _MLFLOW_KINDS:  # the local store keeps hashes of secret tags
            config = self._hider().sealed(dict(config))
            previous = self._hider().sealed(dict(previous)) if previous else previous
        if kind == "experiments":
            exp_id, name = self.mlflow.update_experiment(resource_id, config, previous)
            return ResourceRef(kind, key, exp_id, name=name)
        if kind in ("registered_models", "models"):
            name = registered_model_name(config) if kind == "registered_models" else str(
                config["name"])
            desc = config.get("comment") if kind == "registered_models" else config.get(
                "description")
            self.mlflow.update_model(resource_id, name, desc, _kv_tags(config))
            return ResourceRef(kind, key, name, name=name)
        if kind == "model_serving_endpoints":
            self._check_served_versions(config)
        folder = folder_of(self.volumes_dir, kind, config)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        return self._write_record(kind, key, config, resource_id)

    def delete_resource(self, kind: str, key: str, resource_id: str) -> None:
        if kind == "experiments":
            self.mlflow.delete_experiment(resource_id)
        elif kind in ("registered_models", "models"):
            self.mlflow.delete_model(resource_id)
        else:
            record = self._read_record(kind, key) or {}
            remove_folder(folder_of(self.volumes_dir, kind, record.get("config") or {}), kind)
            with contextlib.suppress(FileNotFoundError):
                self._record_file(kind, key).unlink()
            if kind == "jobs":
                self._delete_finished_runs(key)

    def _delete_finished_runs(self, key: str) -> None:
        """A deleted job takes its finished runs with it, as on Databricks."""
        from mlops_stacks.runner import list_runs

        for run in list_runs(self.runs_dir, key):
            if run.done and run.parent_run_id is None:
                shutil.rmtree(self.runs_dir / run.run_id, ignore_errors=True)

    def get_resource(self, kind: str, key: str, resource_id: str) -> JsonObject | None:
        if kind == "experiments":
            return self.mlflow.get_experiment(resource_id)
        if kind in ("registered_models", "models"):
            return self.mlflow.get_model(resource_id)
        record = self._read_record(kind, key)
        if record is None:
            return None
        rid = record.get("job_id", record.get("id"))
        return record if str(rid) == str(resource_id) else None

    def missing_resources(self, refs: Sequence[ResourceRef]) -> list[ResourceRef]:
        """Recorded resources that are gone: MLflow ones by a read-only look at the store
        (no MLflow import), the others by their record file."""
        exp_ids = [r.id for r in refs if r.kind == "experiments"]
        names = [r.id for r in refs if r.kind in _MLFLOW_MODEL_KINDS]
        live_exps, live_models = self.mlflow.existing(exp_ids, names)
        missing = []
        for ref in refs:
            if ref.kind == "experiments":
                gone = ref.id not in live_exps
            elif ref.kind in _MLFLOW_MODEL_KINDS:
                gone = ref.id not in live_models
            else:
                record = self._read_record(ref.kind, ref.key) or {}
                gone = str(record.get("job_id", record.get("id"))) != ref.id
            if gone:
                missing.append(ref)
        return missing

    # -- job runs ----------------------------------------------------------------------
    def job_settings(self, key: str) -> JsonObject:
        """The deployed settings of job ``key``; ``WorkspaceError`` if it is not deployed."""
        record = self._read_record("jobs", key, strict=True)
        if record is None:
            deployed = sorted(p.stem for p in self.jobs_dir.glob("*.json"))
            raise WorkspaceError(
                f"Job '{key}' is not deployed to target '{self.target}'.",
                hint=(f"Deployed jobs: {', '.join(deployed)}. " if deployed else "")
                + f"Deploy it first: `mlops-stacks deploy -t {self.target}`, or "
                f"`mlops-stacks run {key} -t {self.target} --deploy`.",
            )
        return dict(record.get("settings") or {})

    def job_id(self, key: str) -> str | None:
        """The ID of deployed job ``key`` (``None`` when not deployed)."""
        record = self._read_record("jobs", key)
        return str(record["job_id"]) if record and "job_id" in record else None

    def run_job(
        self, key: str, *, params: Mapping[str, str] | None = None,
        only: list[str] | None = None, on_event: Callable[[RunEvent], None] | None = None,
        timeout: float | None = None,
    ) -> RunRecord:
        from mlops_stacks.runner import run_job

        self._ensure_mlflow_store()

        def run_other(ref: str, other_params: dict[str, str]) -> RunRecord:
            other = ref
            if self._read_record("jobs", ref) is None:  # a job ID, not a key
                for f in self.jobs_dir.glob("*.json"):
                    rec = self._read_record("jobs", f.stem) or {}
                    if str(rec.get("job_id")) == str(ref):
                        other = f.stem
            return self.run_job(other, params=other_params, on_event=on_event)

        return run_job(
            self._unsealed_settings(key), job_key=key, runs_dir=self.runs_dir,
            resolve_path=self.local_path, env=self.mlflow_env(),
            params=dict(params) if params else None, only=only, on_event=on_event,
            run_other_job=run_other, job_id=self.job_id(key), files_root=self.files_dir,
            timeout=timeout,
        )

    def prestart_run(self, key: str) -> int | None:
        """Start the fork server of job ``key``'s next run now (``runner/prestart.py``),
        so that it imports the tasks' libraries while the caller gets the run ready;
        its pid, or ``None`` when the job has not run before or does not fork."""
        from mlops_stacks.runner import launch, prestart

        if launch.start_method()[0] != launch.FORK or self._read_record("jobs", key) is None:
            return None
        return prestart.prestart(self.runs_dir, key, self.mlflow_env())

    def start_run(
        self, key: str, *, params: Mapping[str, str] | None = None,
        only: list[str] | None = None,
    ) -> str:
        """Start job ``key`` in a background process and return its run ID at once.

        The job is checked here (unknown tasks or files fail now, not later);
        ``get_run`` and ``list_runs`` follow the run's record as it goes.
        """
        from mlops_stacks.runner import start_detached

        settings = self.job_settings(key)
        if self._unsealed_settings(key) != settings:
            raise WorkspaceError(
                f"Job '{key}' has secret values; it runs in the foreground only (a background "
                "run would have to write them to disk).",
                hint=f"Run it without --no-wait: mlops-stacks run {key} -t {self.target}",
            )
        self._ensure_mlflow_store()
        return start_detached(
            settings, job_key=key, runs_dir=self.runs_dir, resolve_path=self.local_path,
            env=self.mlflow_env(), params=dict(params) if params else None, only=only,
            job_id=self.job_id(key), files_root=self.files_dir,
        )

    def _ensure_mlflow_store(self) -> None:
        """Create the MLflow store before tasks run (they must not create it, with
        artifacts in their working directory); skipped when MLflow is not installed."""
        import importlib.util

        if importlib.util.find_spec("mlflow") is not None:
            self.mlflow.ensure_store()

    def list_runs(self, key: str | None = None, *, limit: int | None = None,
                  unreadable: list[Path] | None = None) -> list[RunRecord]:
        from mlops_stacks.runner import list_runs

        return list_runs(self.runs_dir, key, limit=limit, unreadable=unreadable)

    def get_run(self, run_id: str) -> RunRecord:
        from mlops_stacks.runner import load_run

        return load_run(self.runs_dir, run_id)

    def cancel_run(self, run_id: str, *, wait: bool = True) -> RunRecord:
        from mlops_stacks.runner import cancel_run

        return cancel_run(self.runs_dir, run_id, wait=30.0 if wait else 0.0)


def _kv_tags(config: JsonMapping) -> dict[str, str]:
    tags = config.get("tags") or []
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["key"]): str(t.get("value", "")) for t in tags if isinstance(t, Mapping)}
