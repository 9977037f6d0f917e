"""The command-line edge: version, help, usage errors and exit codes, run as a user would."""

from __future__ import annotations

import subprocess
import sys

import mlops_stacks


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_stacks", *args], capture_output=True, text=True, timeout=60
    )


def test_version() -> None:
    result = _cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mlops-stacks {mlops_stacks.__version__}"


def test_help_lists_commands_and_teaches() -> None:
    result = _cli("--help")
    assert result.returncode == 0
    assert "mlops-stacks init" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = _cli("--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
