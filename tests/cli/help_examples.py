"""Every command's help, and the examples in it, as the tests read them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def commands() -> Iterator[tuple[list[str], Any]]:
    """``(["runs", "get"], click command)`` for every command and group, root included."""
    import typer.main

    from mlops_stacks.cli.app import app

    def walk(path: list[str], cmd: Any) -> Iterator[tuple[list[str], Any]]:
        yield path, cmd
        for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
            yield from walk([*path, name], sub)

    yield from walk([], typer.main.get_command(app))


def examples(help_text: str) -> list[str]:
    """The example command lines of a help text (lines of its code blocks)."""
    return [line.strip() for line in re.findall(r"^ *(mlops-stacks .*)$", help_text or "",
                                                flags=re.M)
            if not line.startswith("mlops-stacks init`")]


def all_examples() -> list[tuple[list[str], str]]:
    out = []
    for path, cmd in commands():
        for line in examples(cmd.help or ""):
            if line.split()[1:2] and line.split()[1] in (path[:1] or [line.split()[1]]):
                out.append((path, line))
    return out
