"""Which MLflow UI shows a local target's store.

Two projects on one machine each have their own store; a UI already answering
on a port may be another project's. ``serves_store`` asks the server for its
experiments (ID, name, creation time) and compares them with the store's own
sqlite rows: creation times are in milliseconds, so two stores agree only when
they are the same store. ``record_ui`` / ``recorded_ui`` keep the address of the
UI that ``mlops-stacks open`` started for a store, so run summaries link to it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

from mlops_stacks.fileio import atomic_write_json

#: Where ``open`` records the UI it started, beside the store's database.
UI_RECORD = "ui.json"
_SEARCH = "/api/2.0/mlflow/experiments/search"

Experiments = frozenset[tuple[str, str, int]]


def store_db(tracking_uri: str) -> Path:
    """The sqlite file of a ``sqlite:///...`` tracking URI."""
    return Path(tracking_uri.removeprefix("sqlite:///"))


def store_experiments(db: Path) -> Experiments | None:
    """(ID, name, creation time) of every experiment in the store; ``None`` without one."""
    if not db.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
            rows = conn.execute(
                "SELECT experiment_id, name, creation_time FROM experiments").fetchall()
    except sqlite3.Error:
        return None
    return frozenset((str(i), str(n), int(t or 0)) for i, n, t in rows)


def served_experiments(url: str, timeout: float = 10) -> Experiments | None:
    """The same triples as the MLflow server at ``url`` reports them (``None``: no answer)."""
    found: set[tuple[str, str, int]] = set()
    token = ""
    for _page in range(100):
        body: dict[str, object] = {"max_results": 1000, "view_type": "ALL"}
        if token:
            body["page_token"] = token
        request = urllib.request.Request(
            url + _SEARCH, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                data = json.loads(resp.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
            return None
        for exp in data.get("experiments", []):
            found.add((str(exp.get("experiment_id")), str(exp.get("name")),
                       int(exp.get("creation_time") or 0)))
        token = str(data.get("next_page_token") or "")
        if not token:
            break
    return frozenset(found)


def serves_store(url: str, db: Path, timeout: float = 10) -> bool:
    """Whether the MLflow server at ``url`` serves the store ``db`` (not another project's)."""
    mine = store_experiments(db)
    return bool(mine) and served_experiments(url, timeout) == mine


def record_ui(db: Path, url: str, pid: int) -> None:
    """Remember that the UI at ``url`` (process ``pid``) serves this store."""
    with contextlib.suppress(OSError):
        atomic_write_json(db.parent / UI_RECORD, {"url": url, "pid": pid})


def forget_ui(db: Path, pid: int) -> None:
    """Drop the record of the UI ``pid`` when it stops."""
    path = db.parent / UI_RECORD
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()


def recorded_ui(db: Path) -> str | None:
    """The URL of the UI that ``open`` started for this store, while its process lives."""
    from mlops_stacks.runner.record import pid_exists

    try:
        data = json.loads((db.parent / UI_RECORD).read_text(encoding="utf-8"))
        url, pid = str(data["url"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if pid_exists(pid) else None


__all__ = ["forget_ui", "record_ui", "recorded_ui", "serves_store", "store_db",
           "store_experiments"]
