"""The Quartz cron validator: what Databricks accepts, and clear reasons for what it rejects."""

from __future__ import annotations

import pytest

from mlops_stacks.bundle.checks.cron import cron_problem


@pytest.mark.parametrize(
    "expr",
    [
        "0 0 6 * * ?",
        "0 30 6 ? * MON-FRI",
        "0 0/15 9-17 ? * mon,wed,fri",
        "0 0 0 L * ?",
        "0 0 0 L-3 * ?",
        "0 0 0 LW * ?",
        "0 0 0 15W * ?",
        "0 0 0 ? * 6#3",
        "0 0 0 ? * FRI#1",
        "0 0 0 ? * 6L",
        "0 0 0 ? * L",
        "0 0 22-2 * * ?",
        "0 0 12 1 JAN-MAR ? 2030",
        "*/5 * * ? * *",
        "0 0 12 1,15 * ? 2025-2030/2",
    ],
)
def test_valid_expressions(expr: str) -> None:
    assert cron_problem(expr) is None


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("0 0 6 * *", "expected 6 or 7 fields, found 5"),
        ("0 0 6 * * ? 2030 x", "expected 6 or 7 fields, found 8"),
        ("0 0 25 * * ?", "hours value 25 is out of range 0-23"),
        ("60 0 1 * * ?", "seconds value 60 is out of range 0-59"),
        ("0 0 1 32 * ?", "day-of-month value 32 is out of range 1-31"),
        ("0 0 1 0 * ?", "day-of-month value 0 is out of range 1-31"),
        ("0 0 1 * 13 ?", "month value 13 is out of range 1-12"),
        ("0 0 1 ? * 8", "day-of-week value 8 is out of range 1-7"),
        ("0 0 1 1 FOO ?", 'month value "FOO" is not a number 1-12 or a name (JAN-DEC)'),
        ("0 0 1 ? * MONDAY", 'day-of-week value "MONDAY" is not a number 1-7'),
        ("0 0 6 * * *", "one of day-of-month and day-of-week must be '?'"),
        ("0 0 6 ? * ?", "cannot both be '?'"),
        ("? 0 6 * * ?", "'?' is only allowed in day-of-month or day-of-week"),
        ("0 */0 * * * ?", 'minutes step "0" must be a number 1-59'),
        ("0 0/x * * * ?", 'minutes step "x"'),
        ("0 0 1 ? * 6#6", 'the week number in "6#6" must be 1-5'),
        ("0 0 1 L,5 * ?", 'day-of-month "L" cannot be combined'),
        ("0 0 1W * * ?", "hours \"1W\" uses L, W or #"),
        ("0 0 1 1,,2 * ?", "empty list item"),
        ("0 0 1 * * ? 1900", "year value 1900 is out of range 1970-2099"),
        ("0 0 1- * * ?", 'hours value "" is not a number'),
        ("", "expected 6 or 7 fields, found 0"),
    ],
)
def test_invalid_expressions_say_why(expr: str, reason: str) -> None:
    problem = cron_problem(expr)
    assert problem is not None
    assert reason in problem
