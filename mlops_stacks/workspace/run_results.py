"""What a local job run produced: MLflow runs and metrics, model versions, alias moves,
output files and links. Read from the target's MLflow store (sqlite, read-only, no
MLflow import) and its synced files folder.

``snapshot_aliases`` is taken before the run; ``collect`` after it compares.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.runner.record import RunRecord
    from mlops_stacks.workspace.documents import ResourceEntry
    from mlops_stacks.workspace.protocol import Workspace

#: Port ``mlops-stacks open`` starts the MLflow UI on.
MLFLOW_UI_PORT = 5000


@dataclass
class MlflowRun:
    run_id: str
    name: str
    experiment_id: str
    experiment: str
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    url: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelVersion:
    name: str
    version: str
    run_id: str = ""


@dataclass
class AliasMove:
    model: str
    alias: str
    before: str | None
    after: str | None

    def describe(self) -> str:
        if self.before is None:
            return f"{self.model}: @{self.alias} set to version {self.after}"
        if self.after is None:
            return f"{self.model}: @{self.alias} removed (was version {self.before})"
        return f"{self.model}: @{self.alias} moved from version {self.before} to {self.after}"


@dataclass
class RunResults:
    """Everything a user wants to see after a run."""

    mlflow_runs: list[MlflowRun] = field(default_factory=list)
    model_versions: list[ModelVersion] = field(default_factory=list)
    alias_moves: list[AliasMove] = field(default_factory=list)
    kept_aliases: list[tuple[str, str, str]] = field(default_factory=list)
    """(model, alias, version) of aliases the run left where they were."""
    outputs: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> JsonObject:
        data = asdict(self)
        data["kept_aliases"] = [
            {"model": m, "alias": a, "version": v} for m, a, v in self.kept_aliases]
        return data

    @classmethod
    def from_dict(cls, data: JsonObject) -> RunResults:
        return cls(
            mlflow_runs=[MlflowRun(**r) for r in data.get("mlflow_runs", [])],
            model_versions=[ModelVersion(**v) for v in data.get("model_versions", [])],
            alias_moves=[AliasMove(**m) for m in data.get("alias_moves", [])],
            kept_aliases=[(k["model"], k["alias"], k["version"])
                          for k in data.get("kept_aliases", [])],
            outputs=list(data.get("outputs", [])), links=dict(data.get("links", {})))

    def metric(self, name: str) -> float | None:
        """The value of metric ``name`` in the first MLflow run that logged it."""
        for run in self.mlflow_runs:
            if name in run.metrics:
                return run.metrics[name]
        return None


Aliases = dict[tuple[str, str], str]


def _masked(params: dict[str, str]) -> dict[str, str]:
    from mlops_stacks.secrets import is_secret_name, process_secrets

    hider = process_secrets()
    return {k: "***" if is_secret_name(k) else hider.text(v) for k, v in params.items()}


def _connect(db: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True))


def snapshot_aliases(db: Path, models: list[str]) -> Aliases:
    """``(model, alias) -> version`` of the given registered models (empty without a store)."""
    if not models or not db.is_file():
        return {}
    try:
        with _connect(db) as conn:
            rows = conn.execute(
                "SELECT name, alias, version FROM registered_model_aliases "
                f"WHERE name IN ({','.join('?' * len(models))})", models).fetchall()
    except sqlite3.Error:
        return {}
    return {(str(n), str(a)): str(v) for n, a, v in rows}


def collect(
    db: Path,
    *,
    start: float,
    end: float,
    models: list[str],
    before: Aliases,
    files_dir: Path | None = None,
    synced: set[str] | None = None,
    ui_url: str = f"http://127.0.0.1:{MLFLOW_UI_PORT}",
) -> RunResults:
    """Results of a run that went from ``start`` to ``end`` (seconds since the epoch)."""
    out = RunResults()
    if db.is_file():
        try:
            with _connect(db) as conn:
                _mlflow(conn, out, start, end, models, before, ui_url)
        except sqlite3.Error:
            pass
    if files_dir is not None and files_dir.is_dir():
        out.outputs = _outputs(files_dir, start, synced or set())
    return out


def _mlflow(conn: sqlite3.Connection, out: RunResults, start: float, end: float, models: list[str],
            before: Aliases, ui_url: str) -> None:
    lo, hi = int(start * 1000) - 1000, int(end * 1000) + 1000
    # The slack before ``start`` must not take in an MLflow run of the job run before this
    # one (back to back, under load): a run that ended before this one started is not ours.
    rows = conn.execute(
        "SELECT r.run_uuid, r.name, r.experiment_id, e.name, r.status FROM runs r "
        "JOIN experiments e ON e.experiment_id = r.experiment_id "
        "WHERE r.start_time BETWEEN ? AND ? AND r.lifecycle_stage = 'active' "
        "AND (r.end_time IS NULL OR r.end_time >= ?) "
        "ORDER BY r.start_time", (lo, hi, int(start * 1000))).fetchall()
    for run_id, name, exp_id, exp_name, status in rows:
        metrics = {
            str(k): float(v) for k, v in conn.execute(
                "SELECT key, value FROM latest_metrics WHERE run_uuid = ? ORDER BY key",
                (run_id,))
        }
        params = {
            str(k): str(v) for k, v in conn.execute(
                "SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key", (run_id,))
        }
        out.mlflow_runs.append(MlflowRun(
            str(run_id), str(name or ""), str(exp_id), str(exp_name), str(status), metrics,
            f"{ui_url}/#/experiments/{exp_id}/runs/{run_id}", _masked(params)))
    for name, version, run_id in conn.execute(
            "SELECT name, version, run_id FROM model_versions "
            "WHERE creation_time BETWEEN ? AND ? ORDER BY name, version", (lo, hi)):
        out.model_versions.append(ModelVersion(str(name), str(version), str(run_id or "")))
    seen_models = sorted(set(models) | {v.name for v in out.model_versions})
    after = {}
    if seen_models:
        after = {
            (str(n), str(a)): str(v) for n, a, v in conn.execute(
                "SELECT name, alias, version FROM registered_model_aliases "
                f"WHERE name IN ({','.join('?' * len(seen_models))})", seen_models)
        }
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out.alias_moves.append(AliasMove(key[0], key[1], old, new))
        else:
            out.kept_aliases.append((key[0], key[1], str(new)))
    if out.mlflow_runs:
        first = out.mlflow_runs[0]
        out.links["mlflow_experiment"] = f"{ui_url}/#/experiments/{first.experiment_id}"


def _outputs(files_dir: Path, start: float, synced: set[str]) -> list[str]:
    """Files the run wrote or changed in the synced folder (not the synced files themselves)."""
    found = []
    for dirpath, dirs, names in os.walk(files_dir):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".ipynb_checkpoints")]
        for name in names:
            path = Path(dirpath) / name
            rel = path.relative_to(files_dir).as_posix()
            if rel in synced:
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime >= start - 1:
                    found.append(str(path))
    return sorted(found)


__all__ = ["AliasMove", "MlflowRun", "ModelVersion", "RunResults", "collect", "remember_baseline",
           "results_of", "save_results", "snapshot_aliases"]


def baseline(workspace: Workspace, bundle: Bundle) -> Aliases:
    """What to compare a run's results with: the aliases of the deployed models, now."""
    from mlops_stacks.workspace.local import LocalWorkspace

    if not isinstance(workspace, LocalWorkspace):
        return {}
    return snapshot_aliases(workspace.mlflow.db_file, _model_names(workspace))


def results_for(workspace: Workspace, bundle: Bundle, record: RunRecord, before: Aliases) -> (
        RunResults):
    """The results of ``record`` (a finished run) on ``workspace``."""
    import time

    from mlops_stacks.workspace.local import LocalWorkspace

    if not isinstance(workspace, LocalWorkspace):
        out = RunResults()
        url = getattr(record, "url", None)  # a Databricks run's page
        if url:
            out.links["run_page"] = str(url)
        host = (getattr(workspace.info(), "host", "") or "").rstrip("/")
        for key, exp in _deployed(workspace, "experiments").items():
            out.links[f"experiment {key}"] = f"{host}/ml/experiments/{exp['id']}"
        return out
    from mlops_stacks.workspace.mlflow_ui import recorded_ui

    state = workspace.read_state()
    synced = set(state["files"]) if state is not None else set()
    db = workspace.mlflow.db_file
    return collect(
        db, start=record.start_time or time.time(),
        end=record.end_time or time.time(), models=_model_names(workspace),
        before=before, files_dir=workspace.files_dir, synced=synced,
        ui_url=recorded_ui(db) or f"http://127.0.0.1:{MLFLOW_UI_PORT}",
    )


#: Beside a local run's record: the aliases before it started, and its results once it ended.
BEFORE_FILE = "aliases-before.json"
RESULTS_FILE = "results.json"


def _run_dir(workspace: Workspace, run_id: str) -> Path | None:
    runs_dir = getattr(workspace, "runs_dir", None)
    return Path(runs_dir) / run_id if runs_dir is not None else None


def remember_baseline(workspace: Workspace, run_id: str, before: Aliases) -> None:
    """Keep the aliases seen before run ``run_id`` started (a run started with --no-wait)."""
    from mlops_stacks.fileio import atomic_write_json

    run_dir = _run_dir(workspace, run_id)
    if run_dir is not None and run_dir.is_dir():
        atomic_write_json(run_dir / BEFORE_FILE,
                          [{"model": m, "alias": a, "version": v} for (m, a), v in before.items()])


def save_results(workspace: Workspace, run_id: str, results: RunResults) -> None:
    """Keep a finished run's results beside its record, for ``runs get`` and ``runs list``."""
    from mlops_stacks.fileio import atomic_write_json

    run_dir = _run_dir(workspace, run_id)
    if run_dir is not None and run_dir.is_dir():
        with contextlib.suppress(OSError):
            atomic_write_json(run_dir / RESULTS_FILE, results.to_dict())


def results_of(workspace: Workspace, bundle: Bundle, record: RunRecord) -> RunResults | None:
    """The results of an earlier run: kept ones, or read now from the store (and kept).

    ``None`` while the run has not ended. Alias moves need the aliases from before the
    run: ``run`` keeps them; a run without them shows no alias moves.
    """
    import json

    if not record.done:
        return None
    run_dir = _run_dir(workspace, record.run_id)
    if run_dir is None:
        return results_for(workspace, bundle, record, {})
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        return RunResults.from_dict(
            json.loads((run_dir / RESULTS_FILE).read_text(encoding="utf-8")))
    before: Aliases | None = None
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        before = {(str(x["model"]), str(x["alias"])): str(x["version"]) for x in json.loads(
            (run_dir / BEFORE_FILE).read_text(encoding="utf-8"))}
    results = results_for(workspace, bundle, record, before or {})
    if before is None:  # not known: say nothing about aliases rather than guess
        results.alias_moves, results.kept_aliases = [], []
    save_results(workspace, record.run_id, results)
    return results


def _deployed(workspace: Workspace, kind: str) -> dict[str, ResourceEntry]:
    """The deployed resources of ``kind``, by key, as the deployment state records them."""
    state = workspace.read_state()
    return dict(state["resources"].get(kind, {})) if state is not None else {}


def _model_names(workspace: Workspace) -> list[str]:
    names: list[str] = []
    for kind in ("registered_models", "models"):
        names += [r["id"] for r in _deployed(workspace, kind).values() if r["id"]]
    return sorted(names)
