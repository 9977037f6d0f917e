"""The package's shape: module sizes that keep one concern per module readable."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mlops_stacks"
RUNNER_MAX_LINES = 400


def test_no_runner_module_is_over_400_lines() -> None:
    """The run engine reads as parts (scheduling, task launch, for-each, retries,
    conditions, cancellation): no module under runner/ grows past 400 lines."""
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (PACKAGE / "runner").glob("*.py")
    }
    too_long = {name: n for name, n in sizes.items() if n > RUNNER_MAX_LINES}
    assert not too_long, f"split these runner modules (lines): {too_long}"
