"""``mlops-stacks sql``: SQL on a local target's tables, outside any job.

It runs in the command's own process with the environment a task of the target
gets (catalog folder, ``dbfs:/`` folder, Spark Connect endpoint), so a table it
creates (``CREATE TABLE t AS SELECT ...``) is there for the next run, for example
the input table a template leaves as a TODO.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from mlops_stacks.errors import MissingDependencyError, MlopsStacksError
from mlops_stacks.jsontypes import JsonObject, JsonValue
from mlops_stacks.runner.spark import EXTRA, install_command, installed


@dataclass
class QueryResult:
    """The last statement's result: its columns and first rows."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[JsonValue]] = field(default_factory=list)
    truncated: bool = False

    def to_dict(self) -> JsonObject:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated}


def run_sql(query: str, env: Mapping[str, str], limit: int = 100) -> QueryResult:
    """Run the statements of ``query`` on the target's engine; the last one's rows."""
    if not installed():
        raise MissingDependencyError(
            f"SQL on the local workspace needs the Spark engine ({EXTRA}).",
            hint=f"Install it with:\n  {install_command()}",
        )
    from mlops_stacks.runner.shims.sql_cell import statements
    from mlops_stacks.runner.spark.session import get_session

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return _run(get_session(), statements(query), limit)
    except MlopsStacksError:
        raise
    except Exception as exc:  # noqa: BLE001 - the engine's errors name the SQL problem
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise MlopsStacksError(
            f"SQL failed: {first}",
            hint="Spark SQL as the engine reads it (docs/spark.md lists the differences "
            "from Databricks SQL).",
        ) from None
    finally:  # the caller's environment is left as it was
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run(spark: JsonValue, texts: list[str], limit: int) -> QueryResult:
    result = None
    for text in texts:
        result = spark.sql(text)
    if result is None:
        return QueryResult()
    frame = result.limit(limit + 1).toPandas()
    rows = [[_plain(v) for v in row] for row in frame.head(limit).itertuples(index=False)]
    return QueryResult([str(c) for c in frame.columns], rows, len(frame) > limit)

def _plain(value: JsonValue) -> JsonValue:
    """A JSON-friendly cell: numbers, strings, ``None``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _plain(item())
    return str(value)
