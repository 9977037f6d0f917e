"""Diagnostics: configuration problems as data.

Every layer (bundle loading, validation, planning) reports problems as
``Diagnostic`` values with a severity, a one-line summary, an optional detail,
source locations (1-based ``file:line:col``) and the config path they concern
(``resources.jobs.train.tasks[0].notebook_task``). Renderers turn a list of
them into text for people, JSON for machines, or GitHub annotations.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Location:
    """A position in a source file. ``line`` and ``column`` count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def relative_to(self, root: str | os.PathLike[str]) -> Location:
        """Return this location with ``file`` relative to ``root`` when it lies inside it."""
        try:
            rel = os.path.relpath(self.file, root)
        except ValueError:
            return self
        if rel.startswith(".."):
            return self
        return Location(rel, self.line, self.column)

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column}


@dataclass(slots=True)
class Diagnostic:
    """One problem (or note) found in a bundle or another input."""

    severity: Severity
    summary: str
    detail: str = ""
    locations: list[Location] = field(default_factory=list)
    path: str | None = None

    @property
    def location(self) -> Location | None:
        return self.locations[0] if self.locations else None

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "summary": self.summary,
            "detail": self.detail,
            "locations": [loc.to_dict() for loc in self.locations],
            "path": self.path,
        }


def by_location(d: Diagnostic) -> tuple[str, int, int]:
    """Sort key: file, then line, then column (diagnostics without a location first)."""
    loc = d.location
    return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)


def error(summary: str, loc: Location | None = None, *, path: str | None = None,
          detail: str = "") -> Diagnostic:
    return Diagnostic(Severity.ERROR, summary, detail, [loc] if loc else [], path)


def warning(summary: str, loc: Location | None = None, *, path: str | None = None,
            detail: str = "") -> Diagnostic:
    return Diagnostic(Severity.WARNING, summary, detail, [loc] if loc else [], path)


def info(summary: str, loc: Location | None = None, *, path: str | None = None,
         detail: str = "") -> Diagnostic:
    return Diagnostic(Severity.INFO, summary, detail, [loc] if loc else [], path)


class Diagnostics(list[Diagnostic]):
    """A list of diagnostics with a few questions one asks of it."""

    def __init__(self, items: Iterable[Diagnostic] = ()) -> None:
        super().__init__(items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self if d.severity is Severity.WARNING]

    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self)

    def strict(self) -> Diagnostics:
        """Warnings promoted to errors (``--strict``)."""
        return Diagnostics(
            Diagnostic(Severity.ERROR, d.summary, d.detail, d.locations, d.path)
            if d.severity is Severity.WARNING
            else d
            for d in self
        )


def render_text(diags: Iterable[Diagnostic], root: str | None = None) -> str:
    """Render diagnostics for people, one block per diagnostic.

    ::

        Error: unknown target "stg"
          at targets
          in databricks.yml:12:3

        Did you mean "staging"?
    """
    blocks = []
    for d in diags:
        lines = [f"{d.severity.value.capitalize()}: {d.summary}"]
        if d.path:
            lines.append(f"  at {d.path}")
        for loc in d.locations:
            shown = loc.relative_to(root) if root else loc
            lines.append(f"  in {shown}")
        if d.detail:
            lines.append("")
            lines.append(d.detail)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_github(diags: Iterable[Diagnostic], root: str | None = None) -> str:
    """Render diagnostics as GitHub Actions workflow commands (annotations)."""
    out = []
    for d in diags:
        kind = {"error": "error", "warning": "warning"}.get(d.severity.value, "notice")
        props = []
        loc = d.location
        if loc is not None:
            shown = loc.relative_to(root) if root else loc
            props.append(f"file={shown.file}")
            if shown.line:
                props.append(f"line={shown.line}")
            if shown.column:
                props.append(f"col={shown.column}")
        message = d.summary + (f" ({d.detail})" if d.detail else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        prefix = f"::{kind} {','.join(props)}::" if props else f"::{kind}::"
        out.append(prefix + message)
    return "\n".join(out)


def to_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diags], indent=2)


def summary_line(diags: Diagnostics) -> str:
    """``Validation OK!`` or ``Found N errors and M warnings``."""
    n_err, n_warn = len(diags.errors), len(diags.warnings)
    if n_err == 0 and n_warn == 0:
        return "Validation OK!"

    def plural(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    if n_err and n_warn:
        return f"Found {plural(n_err, 'error')} and {plural(n_warn, 'warning')}"
    if n_err:
        return f"Found {plural(n_err, 'error')}"
    return f"Found {plural(n_warn, 'warning')}"
