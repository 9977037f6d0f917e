"""What the ``update`` tests share: git with a fixed identity, and the CLI run in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def cli(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``mlops-stacks ARGS``, without --debug."""
    terminal.reset()
    terminal.DEBUG = False
    result = CliRunner().invoke(app, list(args))
    terminal.reset()
    return result.exit_code, result.stdout, result.stderr
