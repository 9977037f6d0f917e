"""MLflow-backed resources of the local workspace: experiments and registered models.

They are created for real in the target's MLflow store (``mlflow/mlflow.db``,
a sqlite database used for tracking and the model registry, with artifacts
under ``mlflow/artifacts/``). ``mlflow`` is imported only when one of these
resources changes, so a deploy with nothing to do stays fast.

Names in the store:

- ``experiments``: the experiment ``name`` as configured.
- ``registered_models`` (Unity Catalog style): ``<catalog_name>.<schema_name>.<name>``,
  the same three-level name Databricks uses, so project code that loads
  ``models:/catalog.schema.model@champion`` works unchanged; when
  ``catalog_name``/``schema_name`` are absent, just ``name``.
- ``models`` (workspace registry): ``name``.

A new store is a copy of an empty, fully migrated database cached per MLflow
version (``~/.cache/mlops-stacks/``, or ``$MLOPS_STACKS_CACHE_DIR``): creating
the schema from scratch takes MLflow several seconds, a copy takes
milliseconds. Its ``Default`` experiment keeps artifacts under
``artifacts/0`` (never in the current directory).

Creating adopts an existing experiment or model of the same name (restoring a
deleted experiment), so a deploy that was interrupted converges instead of
failing or duplicating. Deleting an experiment deletes it for good, with its
runs and artifacts (``mlflow gc``), so a redeploy starts an empty one.
Deleting something already gone is not an error.

``existing`` tells which experiments and models are still there by reading the
sqlite store directly (stdlib ``sqlite3``, read-only), without importing
MLflow: every plan and deploy asks, and most of them change nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mlops_stacks.errors import WorkspaceError, require_extra
from mlops_stacks.jsontypes import JsonMapping, JsonObject
from mlops_stacks.state_files import damaged_store, sqlite_problem

_MISSING = "RESOURCE_DOES_NOT_EXIST"


def registered_model_name(config: JsonMapping) -> str:
    """The registry name of a ``registered_models`` resource: ``catalog.schema.name``."""
    parts = [config.get("catalog_name"), config.get("schema_name"), config.get("name")]
    return ".".join(str(p) for p in parts if p)


def _tags(config: JsonMapping) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in config.get("tags") or []:
        if isinstance(tag, Mapping) and "key" in tag:
            out[str(tag["key"])] = str(tag.get("value", ""))
    return out


def _quiet_mlflow_logs() -> None:
    for name in ("mlflow.store.db.utils", "alembic", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _cached_empty_store() -> Path | None:
    """Where the empty store for the installed MLflow version is cached (None: no caching)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mlflow_version = version("mlflow")
    except PackageNotFoundError:
        return None
    from mlops_stacks.cache import cache_dir

    return cache_dir() / f"mlflow-{mlflow_version}-empty-store.db"


class MlflowResources:
    """Creates, updates and deletes MLflow resources in one sqlite-backed store."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self._client: Any = None
        self._checked = False

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.store_dir / 'mlflow.db'}"

    @property
    def artifact_root(self) -> Path:
        return self.store_dir / "artifacts"

    @property
    def db_file(self) -> Path:
        return self.store_dir / "mlflow.db"

    # -- store ------------------------------------------------------------------
    def ensure_store(self) -> None:
        """Create the sqlite store (from the cached empty one when possible) if missing;
        a store that exists is checked first (``check_store``).

        A new store is made in a temporary file and renamed into place, so a full disk
        or a kill during MLflow's table creation leaves no half-made store behind.
        """
        if self.db_file.exists():
            self.check_store()
            return
        require_extra("mlflow", purpose="The local MLflow store")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.artifact_root.mkdir(parents=True, exist_ok=True)
        cached = _cached_empty_store()
        if cached is not None and cached.is_file() and self._copy_from(cached):
            return
        _quiet_mlflow_logs()
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        tmp = self.store_dir / f".mlflow.db.{os.getpid()}.new"
        try:
            # mlflow leaves the store's constructor unannotated.
            store = SqlAlchemyStore(  # type: ignore[no-untyped-call]
                f"sqlite:///{tmp}", str(self.artifact_root))
            store.engine.dispose()
            os.replace(tmp, self.db_file)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if isinstance(exc, OSError) or "full" in str(exc):
                raise WorkspaceError(
                    f"Could not create the MLflow store {self.db_file}: {exc}.",
                    hint="Free disk space (or check the folder's permissions), then run "
                    "the command again; nothing half-made was left behind.",
                ) from None
            raise
        if cached is not None:  # keep an empty copy for the next new store
            with contextlib.suppress(OSError):
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
                shutil.copyfile(self.db_file, tmp)
                os.replace(tmp, cached)

    def check_store(self) -> None:
        """``DamagedFile`` when the existing store cannot be used as it is (emptied,
        cut, garbled, half-migrated); MLflow would silently re-create an empty file and
        end in tracebacks on the others. Checked once per instance."""
        if self._checked or not self.db_file.exists():
            return
        problem = sqlite_problem(self.db_file)
        if problem is not None:
            raise damaged_store(self.db_file, problem)
        self._checked = True

    def _copy_from(self, cached: Path) -> bool:
        tmp = self.store_dir / f".mlflow.db.{os.getpid()}.tmp"
        try:
            shutil.copyfile(cached, tmp)
            with contextlib.closing(sqlite3.connect(tmp)) as conn:
                conn.execute("UPDATE experiments SET artifact_location = ? "
                             "WHERE experiment_id = 0", (str(self.artifact_root / "0"),))
                conn.commit()
            os.replace(tmp, self.db_file)
            return True
        except (OSError, sqlite3.Error):
            with contextlib.suppress(OSError):
                tmp.unlink()
            return False

    def existing(self, experiment_ids: Iterable[str], model_names: Iterable[str]
                 ) -> tuple[set[str], set[str]]:
        """(IDs of live experiments, names of registered models) among those asked for.

        An experiment in MLflow's trash (``lifecycle_stage`` ``deleted``) is not
        live. No store yet: nothing exists. Reads the database read-only.
        """
        exp_ids = [str(e) for e in experiment_ids]
        names = [str(n) for n in model_names]
        if not (exp_ids or names) or not self.db_file.is_file():
            return set(), set()
        self.check_store()
        try:
            with contextlib.closing(sqlite3.connect(f"{self.db_file.as_uri()}?mode=ro",
                                                    uri=True)) as conn:
                live: set[str] = set()
                if exp_ids:
                    rows = conn.execute(
                        "SELECT experiment_id, lifecycle_stage FROM experiments "
                        f"WHERE experiment_id IN ({','.join('?' * len(exp_ids))})", exp_ids)
                    live = {str(eid) for eid, stage in rows if stage != "deleted"}
                models: set[str] = set()
                if names:
                    rows = conn.execute(
                        "SELECT name FROM registered_models "
                        f"WHERE name IN ({','.join('?' * len(names))})", names)
                    models = {str(name) for (name,) in rows}
        except sqlite3.Error as exc:
            raise WorkspaceError(
                f"Cannot read the MLflow store {self.db_file}: {exc}.",
                hint="Check that the file is an MLflow sqlite store and not locked by "
                "another program; `mlops-stacks summary` shows where it is.",
            ) from None
        return live, models

    def has_version(self, name: str, version: str) -> bool:
        """Whether model ``name`` has ``version`` (read-only look at the store)."""
        if not self.db_file.is_file():
            return False
        self.check_store()
        try:
            with contextlib.closing(sqlite3.connect(f"{self.db_file.as_uri()}?mode=ro",
                                                    uri=True)) as conn:
                row = conn.execute(
                    "SELECT 1 FROM model_versions WHERE name = ? AND version = ? "
                    "AND current_stage != 'Deleted_Internal'", (name, int(version))).fetchone()
        except (sqlite3.Error, ValueError):
            return False
        return row is not None

    # -- client -----------------------------------------------------------------
    def client(self) -> Any:
        if self._client is None:
            require_extra("mlflow", purpose="Deploying MLflow experiments and models locally")
            self.ensure_store()
            _quiet_mlflow_logs()
            from mlflow import MlflowClient

            self._client = MlflowClient(
                tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri
            )
        return self._client

    def _call(self, what: str, fn: Any, *args: Any, missing_ok: bool = False, **kw: Any) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return fn(*args, **kw)
        except MlflowException as exc:
            if missing_ok and getattr(exc, "error_code", "") == _MISSING:
                return None
            raise WorkspaceError(
                f"MLflow store {self.tracking_uri} refused to {what}: {exc.message}",
                hint="Check the resource's configuration; `mlops-stacks summary` shows "
                "what is deployed.",
            ) from None

    # -- experiments -------------------------------------------------------------
    def create_experiment(self, config: JsonMapping) -> tuple[str, str]:
        client = self.client()
        name = str(config["name"])
        tags = _tags(config)
        existing = client.get_experiment_by_name(name)
        if existing is not None:
            if existing.lifecycle_stage == "deleted":
                self._call(f"restore experiment {name!r}", client.restore_experiment,
                           existing.experiment_id)
            for k, v in tags.items():
                client.set_experiment_tag(existing.experiment_id, k, v)
            return str(existing.experiment_id), name
        location = config.get("artifact_location") or (
            self.artifact_root / hashlib.sha256(name.encode()).hexdigest()[:16]
        ).as_uri()
        exp_id = self._call(
            f"create experiment {name!r}", client.create_experiment, name,
            artifact_location=str(location), tags=tags or None,
        )
        return str(exp_id), name

    def update_experiment(
        self, exp_id: str, config: JsonMapping, previous: JsonMapping | None
    ) -> tuple[str, str]:
        client = self.client()
        name = str(config["name"])
        current = self._call("read experiment", client.get_experiment, exp_id, missing_ok=True)
        if current is None or current.lifecycle_stage == "deleted":
            return self.create_experiment(config)
        if current.name != name:
            self._call(f"rename experiment {current.name!r} to {name!r}",
                       client.rename_experiment, exp_id, name)
        for k, v in _tags(config).items():
            client.set_experiment_tag(exp_id, k, v)
        for k in set(_tags(previous or {})) - set(_tags(config)):
            self._call(f"remove tag {k!r}", client.delete_experiment_tag, exp_id, k,
                       missing_ok=True)
        return exp_id, name

    def delete_experiment(self, exp_id: str) -> None:
        """Delete the experiment for good: its runs, their artifacts and logged models.

        MLflow's own delete only moves an experiment to its trash, and a later create of
        the same name would bring it back with every run. ``destroy`` says it deletes the
        experiment "and its data", so a redeploy starts a new, empty experiment.
        """
        client = self.client()
        current = self._call("read experiment", client.get_experiment, exp_id, missing_ok=True)
        if current is None:
            return
        if current.lifecycle_stage != "deleted":
            self._call(f"delete experiment {exp_id}", client.delete_experiment, exp_id,
                       missing_ok=True)
        self._purge_experiment(exp_id, str(current.artifact_location or ""))

    def _purge_experiment(self, exp_id: str, location: str) -> None:
        """``mlflow gc`` of one trashed experiment, then its artifact folder in this store."""
        import io
        from contextlib import redirect_stderr, redirect_stdout
        from urllib.parse import urlparse

        from mlflow.cli import gc

        quiet = io.StringIO()
        with redirect_stdout(quiet), redirect_stderr(quiet):
            self._call(f"delete experiment {exp_id} for good", gc.main, args=[
                "--backend-store-uri", self.tracking_uri, "--tracking-uri", self.tracking_uri,
                "--experiment-ids", exp_id], standalone_mode=False)
        folder = Path(urlparse(location).path) if location.startswith("file:") else None
        root = self.artifact_root.resolve()
        if folder is not None and folder.resolve() != root and folder.resolve().is_relative_to(
                root):
            shutil.rmtree(folder, ignore_errors=True)

    def get_experiment(self, exp_id: str) -> JsonObject | None:
        client = self.client()
        exp = self._call("read experiment", client.get_experiment, exp_id, missing_ok=True)
        if exp is None or exp.lifecycle_stage == "deleted":
            return None
        return {"id": exp.experiment_id, "name": exp.name, "tags": dict(exp.tags),
                "artifact_location": exp.artifact_location}

    # -- registered models --------------------------------------------------------
    def create_model(self, name: str, description: str | None,
                     tags: Mapping[str, str]) -> str:
        client = self.client()
        existing = self._call("read model", client.get_registered_model, name, missing_ok=True)
        if existing is None:
            self._call(f"create registered model {name!r}", client.create_registered_model,
                       name, tags=dict(tags) or None, description=description)
        else:
            if description is not None and existing.description != description:
                client.update_registered_model(name, description=description)
            for k, v in tags.items():
                client.set_registered_model_tag(name, k, v)
        return name

    def update_model(self, old_name: str, name: str, description: str | None,
                     tags: Mapping[str, str]) -> str:
        client = self.client()
        if old_name != name:
            current = self._call("read model", client.get_registered_model, old_name,
                                 missing_ok=True)
            if current is not None:
                self._call(f"rename registered model {old_name!r} to {name!r}",
                           client.rename_registered_model, old_name, name)
        return self.create_model(name, description, tags)

    def delete_model(self, name: str) -> None:
        client = self.client()
        self._call(f"delete registered model {name!r}", client.delete_registered_model, name,
                   missing_ok=True)

    def get_model(self, name: str) -> JsonObject | None:
        client = self.client()
        model = self._call("read model", client.get_registered_model, name, missing_ok=True)
        if model is None:
            return None
        return {"id": model.name, "name": model.name, "description": model.description,
                "tags": dict(model.tags)}
