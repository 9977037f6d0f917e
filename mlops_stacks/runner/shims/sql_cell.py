"""``%sql`` cells on the Spark engine: each statement through ``spark.sql``, the last
result shown like ``display`` shows it (Databricks shows a cell's last result)."""

from __future__ import annotations

from typing import Any

from mlops_stacks.jsontypes import JsonObject


def statements(body: str) -> list[str]:
    """The statements of a cell: split at ``;`` outside quotes, ``--`` comments dropped."""
    out: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(body):
        ch = body[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
            current.append(ch)
        elif body.startswith("--", i):
            end = body.find("\n", i)
            i = len(body) if end < 0 else end
            continue
        elif ch == ";":
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return [s.strip() for s in out if s.strip()]


def run(body: str, env: JsonObject) -> Any:
    """Run the cell; its last DataFrame is shown and returned (``_sqldf`` on Databricks)."""
    from mlops_stacks.runner.shims.display import display
    from mlops_stacks.runner.spark.session import get_session

    spark = env.get("spark") or get_session()
    result = None
    for statement in statements(body):
        result = spark.sql(statement)
    if result is not None:
        env["_sqldf"] = result
        display(result)
    return result
