"""Shared fixtures: the repository layout and a CLI runner that behaves like a user's shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ORACLE = SHARED / "oracle" / "check_bundle.py"


@pytest.fixture(autouse=True)
def _no_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never block on a prompt; the CLI sees no terminal."""
    monkeypatch.setenv("MLOPS_STACKS_NO_INPUT", "1")
    monkeypatch.delenv("DATABRICKS_BUNDLE_TARGET", raising=False)
    for key in list(os.environ):
        if key.startswith("BUNDLE_VAR_"):
            monkeypatch.delenv(key)


def render_template(dest: Path, **answers: object) -> Path:
    """Render the built-in template into ``dest`` with ``answers`` (defaults for the rest).

    Goes through copier directly, like a bare ``copier copy``, so template tests
    do not depend on the ``init`` command.
    """
    from copier import run_copy

    from mlops_stacks.templates import builtin_template

    run_copy(
        str(builtin_template()),
        str(dest),
        data=dict(answers),
        defaults=True,
        quiet=True,
        overwrite=True,
    )
    return dest


@pytest.fixture
def render() -> object:
    """The ``render_template`` function, as a fixture."""
    return render_template
