"""Table DDL in ``spark.sql`` that must outlive the session: ``CREATE TABLE ... AS SELECT``
and ``DROP TABLE`` act on the catalog folder (``catalog.py``).

``CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name [USING delta] AS <query>`` runs the
query and writes it with ``saveAsTable`` (overwrite for ``OR REPLACE``; nothing when
``IF NOT EXISTS`` finds it). ``DROP TABLE [IF EXISTS] name`` removes its folder too.
Other statements go to the engine as written.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from typing import Any

from mlops_stacks.runner.spark import catalog

_CTAS = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?TABLE\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>[`\w.-]+)\s+(?:USING\s+\w+\s+)?AS\s+(?P<query>.+?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_DROP = re.compile(r"^\s*DROP\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>[`\w.-]+)\s*;?\s*$",
                   re.IGNORECASE)


def run(spark: Any, statement: str, engine_sql: Callable[[str], Any]) -> Any:
    """Run ``statement``, keeping tables in the catalog folder; ``engine_sql`` sends SQL as is."""
    if catalog.root() is None:
        return engine_sql(statement)
    m = _CTAS.match(statement)
    if m:
        frame = engine_sql(m["query"])
        mode = "overwrite" if m["replace"] else "ignore" if m["ine"] else "errorifexists"
        frame.write.mode(mode).saveAsTable(m["name"])
        return frame.limit(0)
    m = _DROP.match(statement)
    if m:
        parts, in_folder = catalog.folder_name(spark, m["name"])
        folder = catalog.table_folder(in_folder)
        if folder is not None and folder.is_dir():
            shutil.rmtree(folder)
        return engine_sql(f"DROP TABLE IF EXISTS {catalog.quoted(parts)}")
    return engine_sql(statement)
