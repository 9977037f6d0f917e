"""Databricks source-format notebooks: split a ``.py`` notebook into cells.

A notebook starts with ``# Databricks notebook source``; cells are separated
by ``# COMMAND ----------``. Cells made of ``# MAGIC`` lines carry a magic
command on their first line (``%md``, ``%pip``, ``%sh``, ``%run``, ...);
everything else is Python. Line numbers are kept so that tracebacks point
at the right line of the notebook file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADER = "# Databricks notebook source"
SEPARATOR = re.compile(r"^# COMMAND -{3,}\s*$")
MAGIC_PREFIX = "# MAGIC"


@dataclass
class Cell:
    """One cell: its 1-based first line, its source lines and its magic command, if any."""

    index: int
    start_line: int
    lines: list[str]
    magic: str | None = None  # "md", "pip", "sh", "run", "python", "sql", ...

    @property
    def body(self) -> str:
        """The cell's text without ``# MAGIC`` prefixes and without the ``%magic`` word."""
        if self.magic is None:
            return "\n".join(self.lines)
        text = "\n".join(_unmagic(line) for line in self.lines).strip("\n")
        return re.sub(r"^\s*%\S+[ \t]?", "", text, count=1)

    def python_source(self) -> str:
        """Python code padded with blank lines so that line numbers match the file."""
        if self.magic == "python":
            first = next(i for i, line in enumerate(self.lines) if line.strip())
            code = [_unmagic(line) for line in self.lines]
            code[first] = re.sub(r"^\s*%python\b", "", code[first])
            return "\n" * (self.start_line - 1) + "\n".join(code)
        return "\n" * (self.start_line - 1) + "\n".join(self.lines)


def is_notebook(text: str) -> bool:
    return text.lstrip("\ufeff").startswith(HEADER)


def parse(text: str) -> list[Cell]:
    """The cells of a notebook's source (a plain Python file is one Python cell)."""
    lines = text.lstrip("\ufeff").splitlines()
    start = 1 if lines and lines[0].strip() == HEADER else 0
    cells: list[Cell] = []
    current: list[str] = []
    current_start = start + 1
    for number, line in enumerate(lines[start:], start=start + 1):
        if SEPARATOR.match(line):
            cells.append(_make_cell(len(cells), current_start, current))
            current, current_start = [], number + 1
        else:
            current.append(line)
    cells.append(_make_cell(len(cells), current_start, current))
    return [c for c in cells if any(line.strip() for line in c.lines)]


def read(path: Path) -> list[Cell]:
    return parse(Path(path).read_text(encoding="utf-8"))


def _make_cell(index: int, start_line: int, lines: list[str]) -> Cell:
    first = next((line for line in lines if line.strip()), "")
    magic = None
    if first.startswith(MAGIC_PREFIX):
        word = _unmagic(first).strip()
        m = re.match(r"%(\S+)", word)
        magic = m.group(1) if m else "md"
    return Cell(index=index, start_line=start_line, lines=lines, magic=magic)


def _unmagic(line: str) -> str:
    if line.startswith(MAGIC_PREFIX + " "):
        return line[len(MAGIC_PREFIX) + 1 :]
    if line.startswith(MAGIC_PREFIX):
        return line[len(MAGIC_PREFIX) :]
    return line
