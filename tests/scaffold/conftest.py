"""Fixtures for ``mlops-stacks init`` tests: the real CLI in-process, in a scratch folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


Init = Callable[..., Outcome]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch current directory (init writes relative to it)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def init(workdir: Path) -> Init:
    """Run ``mlops-stacks init ARGS...`` through the real CLI, as a user without a terminal."""

    def run(*args: str, env: dict[str, str] | None = None) -> Outcome:
        terminal.reset()
        terminal.DEBUG = False
        result = CliRunner().invoke(app, ["init", *args], env=env)
        terminal.reset()
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return run


def tree(root: Path) -> list[str]:
    """All paths under ``root`` (files and folders), relative and sorted; .git excluded."""
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if ".git" not in p.relative_to(root).parts
    )


def make_template(
    root: Path, config: str, files: dict[str, str] | None = None, name: str = "tpl"
) -> Path:
    """A copier template folder ``root/name``: ``copier.yml`` and ``files`` (path: text)."""
    tpl = root / name
    tpl.mkdir(parents=True)
    (tpl / "copier.yml").write_text(config)
    for rel, text in (files or {}).items():
        (tpl / rel).parent.mkdir(parents=True, exist_ok=True)
        (tpl / rel).write_text(text)
    return tpl
