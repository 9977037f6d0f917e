"""'Did you mean ...?' hints for names a user mistyped."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice most similar to ``word``, or ``None`` if none is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``' Did you mean "x"?'`` or ``''``."""
    match = closest(word, choices)
    return f' Did you mean "{match}"?' if match else ""
