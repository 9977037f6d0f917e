"""One look for every command's help: argument and value names instead of type placeholders.

Typer shows ``<str>``, ``<bool>`` and ``<list[str]>`` beside options and
``{job_key}`` for arguments. ``tidy`` walks the command tree once and gives
each parameter a name a user recognises: flags show nothing, options show
what to type (``NAME=VALUE``, ``TARGET``), arguments are upper case
(``JOB_KEY``, optional ones in brackets: ``[TASK]``), as in the README.
"""

from __future__ import annotations

import inspect
import types
from typing import Any

#: Value names of options shared by several commands (the rest: the option name, upper case).
VALUE_NAMES = {
    "var": "NAME=VALUE",
    "params": "NAME=VALUE",
    "data": "KEY=VALUE",
    "only": "TASK",
}


def _usage_name(self: Any) -> str:
    name = self.metavar or self.name.upper()
    if self.nargs != 1:
        name += "..."
    return name if self.required else f"[{name}]"


def fence_examples(text: str) -> str:
    """Indented blocks (the examples) as fenced code blocks: one example per line, always.

    Typer dedents the help after its first paragraph; a help whose later lines are
    all indented would lose its code block and run the examples together.
    """
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            width = min(len(x) - len(x.lstrip()) for x in block if x.strip())
            out.extend(["```", *(x[width:] for x in block), "```"])
            block.clear()

    for line in inspect.cleandoc(text).split("\n"):
        if line.startswith("    ") and (block or not out or not out[-1].strip()):
            block.append(line)
            continue
        if block and not line.strip():
            flush()
        elif block:
            flush()
        out.append(line)
    flush()
    return "\n".join(out)


def tidy(command: Any) -> None:
    """Give every parameter of ``command`` and its subcommands a plain value name."""
    if getattr(command, "help", None):
        command.help = fence_examples(command.help)
    original = command.get_params

    def get_params(ctx: Any) -> list[Any]:
        params: list[Any] = original(ctx)
        for param in params:  # includes --help and the completion options added late
            _tidy_param(param)
        return params

    command.get_params = get_params
    for sub in (getattr(command, "commands", None) or {}).values():
        tidy(sub)


def _tidy_param(param: Any) -> None:
    if param.param_type_name == "argument":
        if param.metavar is None:
            param.metavar = param.name.upper()
        param._usage_display_name = types.MethodType(_usage_name, param)
        param.display_type_rich = lambda ctx: None
    elif (getattr(param, "is_flag", False) or getattr(param, "count", False)
          or getattr(getattr(param, "type_descriptor", None), "annotation", None) is bool):
        param.metavar = ""
    elif param.metavar is None:
        desc = getattr(param, "type_descriptor", None)
        choices = getattr(desc, "choices", None) if getattr(desc, "is_choice", False) else None
        if choices:
            param.metavar = "|".join(str(getattr(c, "value", c)) for c in choices)
        else:
            param.metavar = VALUE_NAMES.get(param.name, param.name.upper())


__all__ = ["fence_examples", "tidy"]
