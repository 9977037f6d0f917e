"""``display(df)`` and ``df.display()`` for Spark DataFrames: the first rows, as text."""

from __future__ import annotations

from typing import Any

ROWS = 20


def is_spark_frame(obj: Any) -> bool:
    return type(obj).__module__.startswith("pyspark.sql") and hasattr(obj, "toPandas")


def display(obj: Any = None, *args: Any, **kwargs: Any) -> None:
    """Databricks' ``display``: a Spark DataFrame shows its first rows like a pandas one."""
    from mlops_stacks.runner.dbutils import display as show

    if is_spark_frame(obj):
        head = obj.limit(ROWS + 1).toPandas()
        print(head.head(ROWS).to_string())
        if len(head) > ROWS:
            print(f"... (first {ROWS} rows)")
        return
    show(obj, *args, **kwargs)


def install_dataframe_display() -> None:
    """``DataFrame.display()`` (a Databricks addition to the Spark DataFrame)."""
    from pyspark.sql.connect.dataframe import DataFrame

    if not hasattr(DataFrame, "display"):
        # the shim replaces the library's attribute in the task process
        DataFrame.display = display  # type: ignore[attr-defined]
