"""condition_task: compare two values after reference substitution.

Both operands are compared as numbers when both parse as numbers, else as
strings (``true``/``false`` for booleans). The ordering operators
(GREATER_THAN, ...) need two numbers and fail the task otherwise, because a
string comparison (``"10" < "9"``) would silently pick the wrong branch.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from mlops_stacks.jsontypes import JsonValue

OPS: dict[str, Callable[[JsonValue, JsonValue], bool]] = {
    "EQUAL_TO": operator.eq,
    "NOT_EQUAL": operator.ne,
    "GREATER_THAN": operator.gt,
    "GREATER_THAN_OR_EQUAL": operator.ge,
    "LESS_THAN": operator.lt,
    "LESS_THAN_OR_EQUAL": operator.le,
}
_ORDERING = {"GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL"}


def evaluate(op: str, left: JsonValue, right: JsonValue) -> bool:
    """The outcome of ``left <op> right``; ``ValueError`` for an unknown op or non-numbers."""
    if op not in OPS:
        raise ValueError(f"unknown condition op '{op}'; valid ops: {', '.join(OPS)}")
    lnum, rnum = _number(left), _number(right)
    if lnum is not None and rnum is not None:
        return OPS[op](lnum, rnum)
    if op in _ORDERING:
        raise ValueError(f"{op} compares numbers, but got {str(left)!r} and {str(right)!r}")
    return OPS[op](_text(left), _text(right))


def _number(value: JsonValue) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _text(value: JsonValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
