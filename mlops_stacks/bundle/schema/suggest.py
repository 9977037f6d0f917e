""""Did you mean ...?" suggestions for misspelled names (fields, tasks, targets, values)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, or ``None`` when nothing is close enough.

    Case differences alone always match (``paused`` -> ``PAUSED``).
    """
    pool = [c for c in candidates if isinstance(c, str)]
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.7)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``Did you mean "x"?`` or an empty string."""
    best = closest(word, candidates)
    return f'Did you mean "{best}"?' if best else ""


def one_of(values: Iterable[object]) -> str:
    """``"A", "B" or "C"`` for messages that list allowed values."""
    shown = [f'"{v}"' for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]
