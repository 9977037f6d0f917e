"""Asking template questions at a terminal.

Each question shows its help, its choices (numbered) and its default; an
empty reply takes the default, a number picks a choice, and a bad reply is
explained (with the same one-line message ``--data`` would get) and asked
again. Prompts go to stderr so ``--output json`` keeps stdout clean.
``Prompter(stream=...)`` reads replies from any text stream (used by tests).
"""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console

from mlops_stacks.errors import AnswerError
from mlops_stacks.scaffold.answers import Given
from mlops_stacks.scaffold.questions import Question
from mlops_stacks.scaffold.rules import check_answer

MAX_TRIES = 20


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


class Prompter:
    """Asks one question at a time on ``console`` (an ``Ask`` for ``resolve``)."""

    def __init__(self, console: Console, stream: IO[str] | None = None) -> None:
        self.console = console
        self.stream = stream

    def _read(self, prompt: str, secret: bool) -> str:
        if self.stream is not None:
            self.console.print(prompt, end="", markup=False)
            line = self.stream.readline()
            if not line:
                raise EOFError
            return line.rstrip("\r\n")
        return self.console.input(prompt, password=secret, markup=False)

    def _header(self, q: Question, default: Any) -> str:
        self.console.print()
        self.console.print(q.help or q.name, style="bold", markup=False)
        for i, choice in enumerate(q.choices, 1):
            mark = " (default)" if choice.value == default else ""
            label = (
                choice.label
                if str(choice.value) == choice.label
                else (f"{choice.label} [{choice.value}]")
            )
            self.console.print(f"  {i}. {label}{mark}", markup=False)
        if q.type == "bool":
            return f"{q.name} [y/n] ({_shown(default)}): "
        return f"{q.name} ({_shown(default)}): " if default not in (None, "") else f"{q.name}: "

    def __call__(self, q: Question, default: Any) -> Any:
        prompt = self._header(q, default)
        for _ in range(MAX_TRIES):
            try:
                reply = self._read(prompt, q.secret).strip()
            except EOFError:
                raise AnswerError(
                    f"{q.name}: no answer (input ended). Pass --data {q.name}=VALUE "
                    "or add --defaults."
                ) from None
            value: Any = default if reply == "" else reply
            if reply.isdigit() and q.choices and 1 <= int(reply) <= len(q.choices):
                value = q.choices[int(reply) - 1].value
            try:
                return check_answer(q, Given(value, "prompt"))
            except AnswerError as exc:
                self.console.print(f"  {exc.message}", style="red", markup=False)
        raise AnswerError(f"{q.name}: too many invalid answers. Pass --data {q.name}=VALUE.")
