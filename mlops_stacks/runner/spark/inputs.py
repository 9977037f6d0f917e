"""Before a local run: the input tables a job names must exist in the catalog folder.

A notebook parameter whose name says it is an input table (``input_table_name``,
``input_table``, ...) names a table the task reads. When the target's catalog
folder does not hold it, the run stops before any task with the table's name
and how to create it (a template's scoring table is often left as a TODO).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from mlops_stacks.errors import RunError
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.spark import catalog, installed

_INPUT = re.compile(r"input_table", re.IGNORECASE)
EXAMPLE = ("mlops-stacks sql -t {target} \"CREATE TABLE {name} AS SELECT tpep_pickup_datetime, "
           "tpep_dropoff_datetime, trip_distance, pickup_zip, dropoff_zip FROM "
           "delta.\\`/databricks-datasets/nyctaxi-with-zipcodes/subsampled\\`\"")


def catalog_dir(files_root: Path) -> Path:
    """The target's catalog folder, beside its synced files (``task_env`` names it)."""
    return Path(files_root).parent / "catalog"


def input_tables(job: JsonObject, tasks: Iterable[str],
                 parameters: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(task key, parameter, table)`` for each input-table parameter of ``tasks``."""
    wanted = set(tasks)
    out = []
    for task in job.get("tasks") or []:
        key = task.get("task_key")
        notebook = task.get("notebook_task") or {}
        if key not in wanted or not notebook:
            continue
        values = {**{str(k): str(v) for k, v in (notebook.get("base_parameters") or {}).items()},
                  **parameters}
        for name, value in values.items():
            if _INPUT.search(name) and value.strip() and "{{" not in value:
                out.append((str(key), name, value.strip()))
    return out


def check_input_tables(job: JsonObject, *, job_key: str, tasks: Iterable[str],
                       parameters: dict[str, str], files_root: Path | None) -> None:
    """``RunError`` naming each input table that the catalog folder does not hold."""
    if files_root is None or not installed():
        return
    base = catalog_dir(files_root)
    target = Path(files_root).parent.name  # .mlops-stacks/<target>/files
    missing = []
    for key, name, table in input_tables(job, tasks, parameters):
        try:
            present = catalog.exists(table, base=base)
        except catalog.TableNameError:
            continue
        if not present:
            missing.append((key, name, table))
    if not missing:
        return
    listed = "\n".join(f"  {table}  (task '{key}', parameter {name})"
                       for key, name, table in missing)
    first = missing[0][2]
    raise RunError(
        f"Job '{job_key}' reads tables that do not exist on target '{target}' yet; "
        f"no task was started:\n{listed}",
        hint="Create each table first (a task of the bundle that writes it with saveAsTable, "
        "or `mlops-stacks sql`), for example from the generated NYC taxi sample:\n  "
        f"{EXAMPLE.format(name=first, target=target)}\nthen run the job again "
        "(docs/spark.md, \"Input tables\").",
    )
