"""What reaches the terminal: control characters escaped, long messages cut; schedules that
can never fire and time zones that are not time zones rejected at validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.cli import terminal
from tests.deploy.bundle_project import cli

HEAD = "bundle:\n  name: demo\nworkspace:\n  host: local\n"
CONTROLS = ("\x1b", "\x07", "\x00", "\u202e")


def _job(extra: str) -> str:
    return HEAD + f"""\
resources:
  jobs:
    a:
      name: a
      tasks:
        - task_key: T
          notebook_task:
            notebook_path: ./nb.py
{extra}"""


def test_control_characters_from_a_bundle_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "databricks.yml").write_text(_job(
        '          depends_on:\n            - task_key: "\\e]0;pwned\\a\\e[2J\\0\\u202e"\n'))
    for args in (["validate"], ["--debug", "validate"], ["deploy", "--auto-approve"]):
        proc = cli(tmp_path, *args)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, out
        assert not any(c in out for c in CONTROLS), repr(out)
        assert "\\x1b]0;pwned\\x07\\x1b[2J" in out


def test_long_messages_are_cut_unless_debug() -> None:
    terminal.DEBUG = False
    try:
        text = terminal.safe("x" * 10_000 + "\x1b")
        assert len(text) < terminal.MAX_MESSAGE + 100
        assert text.endswith("(6001 more characters; run with --debug to see them all)")
        terminal.DEBUG = True
        assert terminal.safe("x" * 10_000 + "\x1b") == "x" * 10_000 + "\\x1b"
    finally:
        terminal.DEBUG = False


def test_a_long_error_is_cut_on_the_terminal(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "databricks.yml").write_text(_job(""))
    proc = cli(tmp_path, "run", "j" * 20_000)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2)
    assert "more characters; run with --debug to see them all" in out
    assert len(out) < 12_000


@pytest.mark.parametrize(("schedule", "message"), [
    ('quartz_cron_expression: "0 0 0 31 2 ?"',
     "day-of-month 31 never occurs in FEB; the schedule would never run"),
    ('quartz_cron_expression: "0 0 0 30,31 2 ?"', "never occurs in FEB"),
    ('quartz_cron_expression: "0 0 6 * * ?"\n        timezone_id: ../../../etc/passwd',
     'invalid timezone_id "../../../etc/passwd": not a known time zone ID'),
])
def test_schedules_that_cannot_work_are_rejected(tmp_path: Path, schedule: str,
                                                 message: str) -> None:
    (tmp_path / "nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "databricks.yml").write_text(_job("") .replace(
        "      name: a\n", f"      name: a\n      schedule:\n        {schedule}\n"))
    proc = cli(tmp_path, "validate")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert message in out and "databricks.yml:" in out


def test_valid_schedules_and_zones_pass(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "databricks.yml").write_text(_job("").replace(
        "      name: a\n", '      name: a\n      schedule:\n        quartz_cron_expression: '
        '"0 0 0 29 2 ?"\n        timezone_id: Europe/Amsterdam\n'))
    proc = cli(tmp_path, "validate")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_huge_value_in_a_diagnostic_is_cut(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "databricks.yml").write_text(_job("").replace(
        "      name: a\n",
        f'      name: a\n      schedule:\n        quartz_cron_expression: "{"9" * 100_000}"\n'))
    proc = cli(tmp_path, "validate")
    assert proc.returncode == 1
    assert max(map(len, (proc.stdout + proc.stderr).splitlines())) < 4_300
    assert "run with --debug to see them all" in proc.stdout + proc.stderr
