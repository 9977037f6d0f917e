"""Asking before deleting: the approval prompt of ``deploy`` and ``destroy``.

Both commands list what would be deleted and then: go ahead with
``--auto-approve``; ask on a terminal; refuse without one (the engine then
raises ``NotApproved``, exit 1). While a prompt may come, no spinner runs
(prompts and spinners do not mix).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from mlops_stacks.workspace.protocol import DATA_HOLDING_KINDS

if TYPE_CHECKING:
    from mlops_stacks.cli.terminal import Terminal
    from mlops_stacks.deploy.plan import Action


def confirm_deletions(
    term: Terminal,
    auto_approve: bool,
    *,
    heading: str,
    question: str,
    also: Sequence[str] = (),
    mark_data: bool = False,
) -> Callable[[list[Action]], bool]:
    """An ``approve`` callback for the deploy engine.

    It prints ``heading``, one line per action (plus ``also`` lines; with
    ``mark_data``, resources that hold data say so) and asks ``question``.
    """

    def approve(actions: list[Action]) -> bool:
        if auto_approve:
            return True
        term.warn(heading)
        for a in actions:
            ident = a.deployed.id if a.deployed else "?"
            held = " (and its data)" if mark_data and a.kind in DATA_HOLDING_KINDS else ""
            term.err.print(f"  - {a.address} ({a.name or a.key}, id {ident}){held}",
                           markup=False)
        for line in also:
            term.err.print(f"  - {line}", markup=False)
        if not term.interactive:
            return False
        return term.confirm(question, default=False)

    return approve


def spinner_unless_asking(term: Terminal, text: str, asking: bool) -> AbstractContextManager[None]:
    """A spinner showing ``text``, or nothing when a prompt may come (``asking``)."""
    return contextlib.nullcontext() if asking else term.status(text)


__all__ = ["confirm_deletions", "spinner_unless_asking"]
