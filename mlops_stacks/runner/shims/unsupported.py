"""What stays Databricks-only in a local run, found before any task starts.

``scan`` reads a notebook's raw lines (``# MAGIC`` lines included) and returns
``(line, what, fix)`` for each use that no shim covers, so that the run stops with
file, line and the alternative instead of failing part-way:

- Lakehouse Monitoring's metric tables (``<table>_profile_metrics``,
  ``<table>_drift_metrics``) and its client, which only Databricks computes;
- ``%sql`` cells without the Spark engine, and ``%scala`` / ``%r`` cells always.
"""

from __future__ import annotations

import re

Rule = tuple[str, "re.Pattern[str]", str]

MONITORING: Rule = (
    "lakehouse-monitoring",
    re.compile(r"_(?:profile|drift)_metrics\b|\b(?:databricks\.)?lakehouse_monitoring\b"),
    "reads Lakehouse Monitoring's metric tables, which only Databricks computes: run this "
    "job on a Databricks target (-t staging), or compute the metric from the predictions "
    "table with pandas for local runs",
)
SQL_CELL: Rule = (
    "sql-cell",
    re.compile(r"^# MAGIC\s*%sql\b"),
    "is a %sql cell, which runs locally on the Spark engine: install it with "
    "`pip install \"mlops-stacks[spark]\"`, or write the query as spark.sql(...) in Python",
)
OTHER_LANGUAGE: Rule = (
    "language-cell",
    re.compile(r"^# MAGIC\s*%(?:scala|r)\b"),
    "is a %scala or %r cell; the local runner runs Python and SQL cells only: rewrite it in "
    "Python, or run the job on Databricks",
)


def rules(spark_engine: bool) -> tuple[Rule, ...]:
    """The rules that apply: ``%sql`` cells are fine when the Spark engine is installed."""
    return (MONITORING, OTHER_LANGUAGE) if spark_engine else (MONITORING, SQL_CELL,
                                                              OTHER_LANGUAGE)


def scan_lines(lines: list[str], spark_engine: bool) -> list[tuple[int, str, str]]:
    """``(line number, what, fix)`` of each Databricks-only use in ``lines``."""
    out: list[tuple[int, str, str]] = []
    active = rules(spark_engine)
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#") and not line.startswith("# MAGIC"):
            continue  # a comment
        for what, pattern, fix in active:
            if pattern.search(line):
                out.append((number, what, fix))
                break
    return out
