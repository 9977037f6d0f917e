"""Databricks paths on the target's folder: ``dbfs:/``, ``/dbfs/``, ``/databricks-datasets``
and ``/Volumes``.

``local_path`` maps one path; ``install`` makes the Spark reader, writer and
``spark.sql`` (backquoted paths, as in ``delta.`dbfs:/...` ``; table DDL through
``ddl.py``) map them, and
generates a dataset the first time a task reads it (``datasets.py``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mlops_stacks.jsontypes import JsonValue
from mlops_stacks.runner.spark import DBFS_ENV
from mlops_stacks.runner.volumes import volume_path

DATASETS = "/databricks-datasets/"
_SQL_PATH = re.compile(r"`((?:dbfs:)?/(?:databricks-datasets|dbfs|Volumes)/[^`]*|dbfs:/[^`]*)`")


def local_path(path: str, *, generate: bool = True) -> str:
    """The local path of a Databricks path (other paths are returned as they are);
    ``generate``: write a sample dataset the path is in when it is missing."""
    if not isinstance(path, str):
        return path
    root = os.environ.get(DBFS_ENV)
    rest: str | None = None
    if path.startswith("dbfs:/"):
        rest = path[len("dbfs:") :]
    elif path.startswith("/dbfs/"):
        rest = path[len("/dbfs") :]
    elif path.startswith(DATASETS) or path == DATASETS.rstrip("/"):
        rest = path
    elif path.startswith("/Volumes/"):
        return str(volume_path(path))
    if rest is None or not root:
        return path
    parts = [p for p in rest.split("/") if p not in ("", ".", "..")]
    local = Path(root).joinpath(*parts)
    if generate and rest.startswith(DATASETS):
        from mlops_stacks.runner.spark import datasets

        datasets.ensure(rest, local)
    return str(local)


def _mapped(value: JsonValue) -> JsonValue:
    if isinstance(value, str):
        return local_path(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_mapped(v) for v in value)
    return value


def map_sql(query: str) -> str:
    """``spark.sql`` text with backquoted Databricks paths mapped."""
    return _SQL_PATH.sub(lambda m: f"`{local_path(m.group(1))}`", query)


def install() -> None:
    """Map the paths that the Spark Connect reader, writer and ``sql`` receive."""
    from pyspark.sql.connect import readwriter, session

    reader, writer = readwriter.DataFrameReader, readwriter.DataFrameWriter
    for cls, names in (
        (reader, ("load", "parquet", "csv", "json", "text", "orc")),
        (writer, ("save", "parquet", "csv", "json", "text", "orc")),
    ):
        for name in names:
            _wrap_first_argument(cls, name)
    original_sql = session.SparkSession.sql
    if getattr(original_sql, "_mlops_stacks", False):
        return

    def sql(self: Any, sqlQuery: str, *args: Any, **kwargs: Any) -> Any:  # noqa: N803
        from mlops_stacks.runner.spark import ddl

        return ddl.run(self, map_sql(sqlQuery),
                       lambda text: original_sql(self, text, *args, **kwargs))

    # marks the function as our shim (functions have no such attribute in typeshed)
    sql._mlops_stacks = True  # type: ignore[attr-defined]
    # the shim replaces the library's attribute in the task process
    session.SparkSession.sql = sql  # type: ignore[method-assign]


def _wrap_first_argument(cls: type, name: str) -> None:
    original = getattr(cls, name)
    if getattr(original, "_mlops_stacks", False):
        return

    def wrapper(self: Any, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        if "path" in kwargs:
            kwargs["path"] = _mapped(kwargs["path"])
        return original(self, _mapped(path), *args, **kwargs)

    # marks the function as our shim (functions have no such attribute in typeshed)
    wrapper._mlops_stacks = True  # type: ignore[attr-defined]
    wrapper.__doc__ = original.__doc__
    setattr(cls, name, wrapper)
