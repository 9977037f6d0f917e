"""Reading the files of a local target (``.mlops-stacks/<target>/``) that may be damaged.

Every JSON file the local workspace keeps (state, lock, job and run records) is read
through ``read_json_object``: a missing file is ``None``; a file that cannot be read,
is not UTF-8, is not JSON (emptied, cut, garbled) or holds JSON of another type is a
``DamagedFile`` that names the file, says what is wrong with it and how to recover.
``sqlite_problem`` does the same for the MLflow store, before MLflow opens it (MLflow
would re-create an emptied store silently and fail with tracebacks on the others).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonObject

SQLITE_HEADER = b"SQLite format 3\x00"


class DamagedFile(WorkspaceError):
    """A state file of the local workspace exists but cannot be used as it is."""


def json_problem(data: bytes) -> tuple[str | None, JsonObject | None]:
    """(what is wrong with ``data`` as a JSON object, or None; the parsed value)."""
    if not data.strip():
        return "it is empty", None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "it is not UTF-8 text (garbled)", None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return f"it is not valid JSON ({exc})", None
    if not isinstance(value, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(value), "a number"
        )
        return f"it holds {kind}, not a JSON object", None
    return None, dict(value)


def read_json_object(path: Path, *, what: str, hint: str) -> JsonObject | None:
    """The JSON object in ``path``; None when there is no such file.

    ``what`` names the file for the message (``the deployment state``); ``hint`` says
    how to recover.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedFile(f"Cannot read {what} {path}: {exc.strerror or exc}.", hint=hint) from None
    problem, value = json_problem(data)
    if problem is not None:
        raise DamagedFile(f"{what[:1].upper()}{what[1:]} {path} is damaged: {problem}.", hint=hint)
    return value


def sqlite_problem(path: Path) -> str | None:
    """What is wrong with the MLflow sqlite store at ``path`` (None: it looks usable)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not head:
        return "it is empty"
    if head != SQLITE_HEADER:
        return "it is not a SQLite database"
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()
            tables = {name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}  # fmt: skip
    except sqlite3.Error as exc:
        return f"it is not a readable SQLite database ({exc})"
    if not check or check[0] != "ok":
        return f"SQLite finds it damaged ({check[0] if check else 'no answer'})"
    if any(name.startswith("_alembic_tmp_") for name in tables):
        return "an upgrade of its tables was interrupted (a full disk, or a kill)"
    if not {"experiments", "alembic_version"} <= tables:
        return "it is not an MLflow store (its tables are missing)"
    return None


def damaged_store(path: Path, problem: str) -> DamagedFile:
    """The error for a damaged MLflow store: what was lost, and the ways out."""
    return DamagedFile(
        f"The MLflow store {path} is damaged: {problem}. Its experiments, runs, model "
        "versions and aliases cannot be read, so nothing that needs them was done.",
        hint=f"Restore {path.name} from a backup. Or move it away "
        f"(`mv {path} {path}.damaged`) and run `mlops-stacks deploy` to start a new, empty "
        "store; the model versions and aliases in the old one must then be trained again.",
    )
