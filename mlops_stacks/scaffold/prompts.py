"""Asking template questions at a terminal.

Each question (a copier ``Question``) shows its help, its choices (numbered)
and its default; an empty reply takes the default, a number picks a choice
(several numbers, ``1,3``, for a ``multiselect`` question), and
a bad reply is explained (with the same one-line message ``--data`` would get)
and asked again. Replies are read line by line, so any terminal, pipe or pty
works; prompts go to stderr so ``--output json`` keeps stdout clean.
``Prompter(stream=...)`` reads replies from any text stream (used by tests).
"""

from __future__ import annotations

from typing import IO

from rich.console import Console

from mlops_stacks.errors import AnswerError
from mlops_stacks.jsontypes import JsonValue
from mlops_stacks.scaffold.answers import Given
from mlops_stacks.scaffold.questionnaire import check, choices

MAX_TRIES = 20


def _shown(value: JsonValue) -> str:
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

    def _header(self, q: JsonValue, default: JsonValue) -> str:
        self.console.print()
        help_text = q.render_value(q.help) if q.help else ""
        self.console.print(
            " ".join(str(help_text).split()) or q.var_name, style="bold", markup=False
        )
        for i, choice in enumerate(choices(q), 1):
            mark = " (default)" if choice.value == default else ""
            label = (
                choice.title
                if str(choice.value) == choice.title
                else f"{choice.title} [{choice.value}]"
            )
            self.console.print(f"  {i}. {label}{mark}", markup=False)
        name = q.var_name
        if q.get_type_name() == "bool":
            return f"{name} [y/n] ({_shown(default)}): "
        return f"{name} ({_shown(default)}): " if default not in (None, "") else f"{name}: "

    def __call__(self, q: JsonValue, default: JsonValue) -> JsonValue:
        prompt, name = self._header(q, default), q.var_name
        offered = choices(q)
        for _ in range(MAX_TRIES):
            try:
                reply = self._read(prompt, bool(q.secret)).strip()
            except EOFError:
                raise AnswerError(
                    f"{name}: no answer (input ended). Pass --data {name}=VALUE or add --defaults."
                ) from None
            value: JsonValue = default if reply == "" and default is not None else reply
            numbers = [int(n) for n in reply.replace(",", " ").split() if n.isdigit()]
            if offered and numbers and any(not 1 <= n <= len(offered) for n in numbers) and (
                    str(reply) not in {str(c.value) for c in offered}):
                self.console.print(
                    f"  {name}: {reply} is not a choice: pick 1-{len(offered)} (or type "
                    f"one of {', '.join(str(c.value) for c in offered)}).",
                    style="red", markup=False)
                continue
            picked = [offered[n - 1].value for n in numbers if 1 <= n <= len(offered)]
            if offered and picked and len(picked) == len(reply.replace(",", " ").split()):
                value = picked if q.multiselect else picked[0] if len(picked) == 1 else reply
            try:
                return check(q, Given(value, "prompt"))
            except AnswerError as exc:
                self.console.print(f"  {exc.message}", style="red", markup=False)
        raise AnswerError(f"{name}: too many invalid answers. Pass --data {name}=VALUE.")
