"""Help as a user reads it in an 80-column terminal: no type placeholders, one example per
line, the same names for the same things."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.cli.help_examples import commands, examples

PATHS = [path for path, _ in commands()]


def _help(path: list[str]) -> str:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mlops_stacks", *path, "--help"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_help_has_no_type_placeholders_and_whole_examples(path: list[str]) -> None:
    text = _help(path)
    for placeholder in ("<bool>", "<str>", "<int>", "<list[", "<text|json>", "<path>"):
        assert placeholder not in text, f"{placeholder} in `{' '.join(path)} --help`"
    # Arguments read as in the README: upper case, optional ones in brackets.
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage and not re.search(r"\[[a-z_]+\]", usage), usage
    cmd = dict((tuple(p), c) for p, c in commands())[tuple(path)]
    for example in examples(cmd.help or ""):
        assert len(example) <= 76, f"example too long for 80 columns: {example}"
        lines = [line.strip() for line in text.splitlines()]
        assert example in lines, f"example not on a line of its own: {example!r}\n{text}"


def test_completion_can_be_installed() -> None:
    text = _help([])
    assert "--install-completion" in text and "--show-completion" in text
    env = {**os.environ, "_MLOPS_STACKS_COMPLETE": "complete_bash", "COMP_WORDS": "mlops-stacks ru",
           "COMP_CWORD": "1"}
    proc = subprocess.run([sys.executable, "-m", "mlops_stacks"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert "run" in proc.stdout.split() and "runs" in proc.stdout.split()
