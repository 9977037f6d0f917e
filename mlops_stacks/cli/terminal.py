"""One output object for every command: messages, tables, progress, prompts.

People get rich formatting on a terminal; pipes, CI and tests get plain,
deterministic text (no colour, no spinners). ``--output json`` commands print
exactly one JSON document on stdout and send everything else to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.jsontypes import JsonValue

DEBUG = False
_current: Terminal | None = None

#: Characters that would act on the terminal rather than show: C0/C1 controls (except
#: newline and tab), DEL, and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Longest message shown whole; longer ones are cut (``--debug`` shows all of it).
MAX_MESSAGE = 4000


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object, limit: int | None = MAX_MESSAGE) -> str:
    """``text`` as it may reach a terminal: control characters escaped (``\\x1b``), and
    cut after ``limit`` characters unless ``--debug`` is on. Everything printed from
    bundles, servers or files goes through here."""
    out = str(text)
    if limit is not None and not DEBUG and len(out) > limit:
        out = (out[:limit] + f"... ({len(out) - limit} more characters; run with --debug "
               "to see them all)")
    return _CONTROL.sub(_escape, out)


def is_interactive() -> bool:
    """True when a person is at a terminal (stdin and stdout are TTYs)."""
    if os.environ.get("MLOPS_STACKS_NO_INPUT"):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def _safe_lines(text: str) -> str:
    """``safe`` for a block of lines: each line escaped and cut on its own."""
    limit = MAX_MESSAGE + 200  # room for the note of a message ``safe`` cut already
    if "\n" not in text:
        return safe(text, limit)
    return "\n".join(safe(line, limit) for line in text.split("\n"))


class _SafeConsole(Console):
    """A rich console whose text arguments are escaped and cut line by line (see ``safe``),
    so code that prints through ``term.out`` / ``term.err`` directly is safe too."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_safe_lines(o) if isinstance(o, str) else o for o in objects), **kwargs)


class Terminal:
    def __init__(self, *, json_mode: bool = False) -> None:
        plain = not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR"))
        self.json_mode = json_mode
        # In JSON mode, human messages go to stderr so stdout stays parseable.
        # Off a terminal rich assumes 80 columns; tables of IDs and paths need more.
        width = None if sys.stdout.isatty() else 200
        self.out = _SafeConsole(
            file=sys.stderr if json_mode else sys.stdout,
            width=width,
            no_color=plain,
            highlight=False,
            soft_wrap=True,
            emoji=False,
        )
        self.err = _SafeConsole(
            file=sys.stderr, width=width, no_color=plain, highlight=False, soft_wrap=True
        )
        self.interactive = is_interactive()

    # -- messages -------------------------------------------------------------
    def print(self, text: str = "", **kwargs: Any) -> None:
        self.out.print(safe(text), markup=False, **kwargs)

    def rich(self, renderable: Any) -> None:
        self.out.print(renderable)

    def info(self, text: str) -> None:
        self.out.print(safe(text), markup=False, style="dim")

    def success(self, text: str) -> None:
        self.out.print(safe(text), markup=False, style="green")

    def warn(self, text: str) -> None:
        self.err.print(f"Warning: {safe(text)}", markup=False, style="yellow")

    def error(self, text: str) -> None:
        self.err.print(f"Error: {safe(text)}", markup=False, style="red")

    def fail(self, exc: MlopsStacksError) -> None:
        """Print an error for the user: the message, then the hint on how to fix it."""
        self.err.print(f"Error: {safe(exc.message)}", markup=False, style="red")
        if exc.hint:
            self.err.print(safe(exc.hint), markup=False)

    def json(self, data: JsonValue) -> None:
        """Print one JSON document on stdout (always stdout, whatever the mode)."""
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def table(
        self, columns: list[str], rows: list[list[JsonValue]], title: str | None = None
    ) -> None:
        """Rows of data that never cut a value (IDs and paths must stay copyable).

        Off a terminal (pipes, CI): a header line, then one tab-separated record per
        line, never wrapped. On a terminal: a table when it fits the width, else one
        block per record (the first column, then ``Column: value`` lines).
        """
        cells = [["" if x is None else safe(x) for x in r] for r in rows]
        columns = [safe(c) for c in columns]
        if title:
            self.out.print(safe(title), markup=False)
        if not self.out.is_terminal:
            # Written as is: rich would expand the tabs into spaces.
            for line in [columns, *cells]:
                self.out.file.write("\t".join(v.replace("\t", " ") for v in line) + "\n")
            self.out.file.flush()
            return
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        if sum(widths) + 3 * (len(columns) - 1) <= self.out.width:
            t = Table(show_edge=False, header_style="bold", pad_edge=False)
            for c in columns:
                t.add_column(c, no_wrap=True, overflow="ignore")
            for r in cells:
                t.add_row(*r)
            self.out.print(t)
            return
        for r in cells:
            self.out.print(r[0], markup=False, soft_wrap=True, style="bold")
            for c, v in zip(columns[1:], r[1:], strict=False):
                if v:
                    self.out.print(f"  {c}: {v}", markup=False, soft_wrap=True)

    # -- progress -------------------------------------------------------------
    @contextlib.contextmanager
    def status(self, text: str) -> Iterator[None]:
        """A spinner while work runs; silent when not on a terminal."""
        if self.out.is_terminal and not self.json_mode:
            with self.out.status(text):
                yield
        else:
            yield

    # -- prompts --------------------------------------------------------------
    def confirm(self, question: str, default: bool = False) -> bool:
        from rich.prompt import Confirm

        return Confirm.ask(question, default=default, console=self.err)


def current(*, json_mode: bool | None = None) -> Terminal:
    """The process-wide terminal; ``json_mode`` (re)configures it for a command."""
    global _current
    if _current is None or (json_mode is not None and json_mode != _current.json_mode):
        _current = Terminal(json_mode=bool(json_mode))
    return _current


def reset() -> None:
    """Forget the current terminal (tests swap stdout between invocations)."""
    global _current
    _current = None
