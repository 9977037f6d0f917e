"""Three-level table names backed by the target's catalog folder.

On Databricks a table ``<catalog>.<schema>.<table>`` outlives the task that
wrote it. Locally the engine's catalog lives in memory, so tables are kept as
Delta tables under the catalog folder (``$MLOPS_STACKS_CATALOG``):
``<folder>/<catalog>/<schema>/<table>/``. When a session starts, every table
found there (and every schema the bundle deployed, under ``$MLOPS_STACKS_VOLUMES``)
is registered; ``saveAsTable`` writes the Delta table into the folder and
registers it. One- and two-level names take the session's current catalog and
schema (``spark_catalog.default`` unless the notebook changes them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mlops_stacks.runner.spark import CATALOG_ENV
from mlops_stacks.runner.volumes import VOLUMES_ENV

DEFAULT_CATALOG, DEFAULT_SCHEMA = "spark_catalog", "default"
# The engine's own name for its default catalog (Sail: ``sail``), read when a session
# starts: its tables live in the ``spark_catalog`` folder.
_engine_default = DEFAULT_CATALOG
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class TableNameError(ValueError):
    """A table name that cannot be a folder of the catalog."""


def split_name(name: str, catalog: str = DEFAULT_CATALOG,
               schema: str = DEFAULT_SCHEMA) -> tuple[str, str, str]:
    """``(catalog, schema, table)`` of a 1-, 2- or 3-level name (backquotes removed)."""
    parts = [p.strip().strip("`").lower() for p in name.split(".")]
    if not 1 <= len(parts) <= 3 or not all(_PART.match(p) for p in parts):
        raise TableNameError(
            f"Table name '{name}' is not <catalog>.<schema>.<table> (letters, digits, _ and -)."
        )
    full = [catalog.lower(), schema.lower()][: 3 - len(parts)] + parts
    return full[0], full[1], full[2]


def root() -> Path | None:
    value = os.environ.get(CATALOG_ENV)
    return Path(value) if value else None


def table_folder(name: str, catalog: str = DEFAULT_CATALOG,
                 schema: str = DEFAULT_SCHEMA, base: Path | None = None) -> Path | None:
    """Where table ``name`` lives (``None`` without a catalog folder)."""
    base = base or root()
    if base is None:
        return None
    return base.joinpath(*split_name(name, catalog, schema))


def exists(name: str, base: Path | None = None) -> bool:
    """Whether table ``name`` has been written to the catalog folder ``base``."""
    folder = table_folder(name, base=base)
    return folder is not None and (folder / "_delta_log").is_dir()


def quoted(parts: tuple[str, ...] | list[str]) -> str:
    return ".".join(f"`{p}`" for p in parts)


def folder_name(spark: Any, name: str) -> tuple[tuple[str, str, str], str]:
    """``(catalog, schema, table)`` as the engine names it, and its catalog-folder name."""
    parts = split_name(name, spark.catalog.currentCatalog(), spark.catalog.currentDatabase())
    in_folder = (DEFAULT_CATALOG if parts[0] == _engine_default else parts[0], *parts[1:])
    return parts, ".".join(in_folder)


def _engine_name(catalog: str) -> str:
    return _engine_default if catalog == DEFAULT_CATALOG else catalog


def register_all(spark: Any) -> list[str]:
    """Register the schemas and tables of the catalog folder (and the bundle's schemas)."""
    global _engine_default
    _engine_default = str(spark.catalog.currentCatalog()).lower()
    names: list[str] = []
    schemas: set[tuple[str, str]] = set()
    volumes = os.environ.get(VOLUMES_ENV)
    for base in (Path(volumes) if volumes else None, root()):
        if base is None or not base.is_dir():
            continue
        for schema_dir in sorted(p for p in base.glob("*/*") if p.is_dir()):
            schemas.add((schema_dir.parent.name, schema_dir.name))
    for catalog, schema in sorted(schemas):
        if _PART.match(catalog) and _PART.match(schema):
            spark.sql(f"CREATE SCHEMA IF NOT EXISTS {quoted([_engine_name(catalog), schema])}")
    base = root()
    if base is not None and base.is_dir():
        for log in sorted(base.glob("*/*/*/_delta_log")):
            table = log.parent
            parts = (table.parent.parent.name, table.parent.name, table.name)
            if all(_PART.match(p) for p in parts):
                _register(spark, parts, table)
                names.append(".".join(parts))
    return names


def _register(spark: Any, parts: tuple[str, str, str], folder: Path) -> None:
    parts = (_engine_name(parts[0]), parts[1], parts[2])
    location = str(folder).replace("'", "\\'")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {quoted(parts[:2])}")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {quoted(parts)} USING delta LOCATION '{location}'")


def install() -> None:
    """``DataFrameWriter.saveAsTable`` keeps the table in the catalog folder."""
    from pyspark.sql.connect import readwriter

    writer = readwriter.DataFrameWriter
    original = writer.saveAsTable
    if getattr(original, "_mlops_stacks", False):
        return

    def save_as_table(self: Any, name: str, format: str | None = None,  # noqa: A002
                      mode: str | None = None, partitionBy: Any = None,  # noqa: N803
                      **options: Any) -> None:
        spark = self._spark
        parts, in_folder = folder_name(spark, name)
        folder = table_folder(in_folder)
        if folder is None:  # no catalog folder (not a local run): the engine's own catalog
            original(self, name, format, mode, partitionBy, **options)
            return
        self.mode(mode)
        wanted = (self._write.mode or "errorifexists").lower()
        if (folder / "_delta_log").is_dir():
            if wanted in ("error", "errorifexists", "default"):
                raise TableNameError(
                    f"Table {'.'.join(parts)} already exists ({folder}); write it with "
                    "mode('overwrite') or mode('append')."
                )
            if wanted == "ignore":
                return
        if format not in (None, "delta") or self._write.source not in (None, "delta"):
            print(f"[mlops-stacks] table {'.'.join(parts)} is kept as Delta locally",
                  flush=True)
        self.format("delta")
        if wanted not in ("append", "overwrite"):
            self.mode("overwrite")
        self.save(str(folder), partitionBy=partitionBy, **options)
        _register(spark, parts, folder)

    # marks the function as our shim (functions have no such attribute in typeshed)
    save_as_table._mlops_stacks = True  # type: ignore[attr-defined]
    save_as_table.__doc__ = original.__doc__
    # the shim replaces the library's attribute in the task process
    writer.saveAsTable = save_as_table  # type: ignore[method-assign]
