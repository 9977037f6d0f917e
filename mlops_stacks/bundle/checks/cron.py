"""A validator for Quartz cron expressions, the schedule syntax of Databricks jobs.

A Quartz expression has 6 or 7 space-separated fields::

    seconds minutes hours day-of-month month day-of-week [year]
    0       30      6     ?            *     MON-FRI              -> 06:30 on weekdays

Each field is a comma-separated list of ``*``, ``N``, ``N-M`` (ranges may wrap,
e.g. ``FRI-MON``) and steps ``*/S``, ``N/S``, ``N-M/S``. Month and day-of-week
accept names (``JAN``, ``MON``). Day-of-month also takes ``L``, ``L-N``,
``LW`` and ``NW``; day-of-week takes ``L``, ``NL`` and ``N#K``. Exactly one of
day-of-month and day-of-week must be ``?``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

EXAMPLE = '"0 0 6 * * ?" (every day at 06:00:00)'
FORMAT_HELP = (
    "Quartz cron expressions have 6 or 7 fields: seconds minutes hours day-of-month "
    f"month day-of-week [year], for example {EXAMPLE}."
)


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()

    def number(self, text: str) -> int:
        """Parse one value (digits or a name) and check its range; raises ``ValueError``."""
        upper = text.upper()
        if self.names and upper in self.names:
            return self.names.index(upper) + self.low
        if not text.isdigit():
            allowed = f"a number {self.low}-{self.high}"
            if self.names:
                allowed += f" or a name ({self.names[0]}-{self.names[-1]})"
            raise ValueError(f'{self.name} value "{text}" is not {allowed}')
        value = int(text)
        if not self.low <= value <= self.high:
            raise ValueError(
                f"{self.name} value {value} is out of range {self.low}-{self.high}"
            )
        return value


FIELDS = (
    _Field("seconds", 0, 59),
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, DAYS),
    _Field("year", 1970, 2099),
)

_DOM_SPECIAL = re.compile(r"^(L(-\d{1,2})?|LW|\d{1,2}W)$", re.IGNORECASE)
_DOW_LAST = re.compile(r"^([A-Za-z]{3}|\d)L$")
_DOW_NTH = re.compile(r"^([A-Za-z]{3}|\d)#(\d+)$")


@functools.lru_cache(maxsize=1024)
def cron_problem(expression: str) -> str | None:
    """What is wrong with a Quartz cron ``expression``, or ``None`` when it is valid."""
    parts = expression.split()
    if len(parts) not in (6, 7):
        return f"expected 6 or 7 fields, found {len(parts)}"
    try:
        for field, text in zip(FIELDS, parts, strict=False):
            _check_field(field, text)
    except ValueError as exc:
        return str(exc)
    dom, dow = parts[3], parts[5]
    never = _never_fires(dom, parts[4])
    if never:
        return never
    if dom == "?" and dow == "?":
        return "day-of-month and day-of-week cannot both be '?'; set one of them"
    if dom != "?" and dow != "?":
        return (
            "one of day-of-month and day-of-week must be '?' "
            f'(found "{dom}" and "{dow}"); for example "0 0 6 * * ?" or "0 0 6 ? * MON"'
        )
    return None


def _check_field(field: _Field, text: str) -> None:
    if text == "?":
        if field.name not in ("day-of-month", "day-of-week"):
            raise ValueError(
                f"'?' is only allowed in day-of-month or day-of-week, not {field.name}"
            )
        return
    items = text.split(",")
    for item in items:
        if not item:
            raise ValueError(f'{field.name} "{text}" has an empty list item')
        special = _special(field, item)
        if special and len(items) > 1:
            raise ValueError(f'{field.name} "{item}" cannot be combined with other values')
        if not special:
            _check_item(field, item)


def _special(field: _Field, item: str) -> bool:
    """Check the L/W/# forms; True when ``item`` is one of them."""
    if field.name == "day-of-month" and _DOM_SPECIAL.match(item):
        digits = re.findall(r"\d+", item)
        if digits:
            value = int(digits[0])
            if item.upper().startswith("L-") and not 0 <= value <= 30:
                raise ValueError(f'day-of-month offset in "{item}" must be 0-30')
            if not item.upper().startswith("L") and not 1 <= value <= 31:
                raise ValueError(f'day-of-month in "{item}" must be 1-31')
        return True
    if field.name == "day-of-week":
        if item.upper() == "L":
            return True
        last = _DOW_LAST.match(item)
        if last:
            field.number(last.group(1))
            return True
        nth = _DOW_NTH.match(item)
        if nth:
            field.number(nth.group(1))
            if not 1 <= int(nth.group(2)) <= 5:
                raise ValueError(f'the week number in "{item}" must be 1-5')
            return True
    if any(c in item.upper() for c in "LW#") and not field.names:
        raise ValueError(f'{field.name} "{item}" uses L, W or # where they are not allowed')
    return False


def _check_item(field: _Field, item: str) -> None:
    base, slash, step = item.partition("/")
    if slash:
        if not step.isdigit() or not 1 <= int(step) <= field.high:
            raise ValueError(f'{field.name} step "{step}" must be a number 1-{field.high}')
    if base == "*":
        return
    start, dash, end = base.partition("-")
    if not start:
        raise ValueError(f'{field.name} "{item}" is not a value, range or step')
    field.number(start)
    if dash:
        field.number(end)


#: Most days each month has (February: in leap years).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _values(field: _Field, text: str) -> set[int] | None:
    """The values a plain field (numbers, names, ranges, steps) selects; ``None`` for ``*``,
    ``?`` and the L/W/# forms (anything that cannot be judged here)."""
    out: set[int] = set()
    for item in text.split(","):
        base, slash, step = item.partition("/")
        if base in ("*", "?") or any(c in base.upper() for c in "LW#") and not field.names:
            return None
        start, dash, end = base.partition("-")
        try:
            low = field.number(start)
            high = field.number(end) if dash else (field.high if slash else low)
        except ValueError:
            return None
        every = int(step) if slash and step.isdigit() and int(step) > 0 else 1
        if low <= high:
            out.update(range(low, high + 1, every))
        else:  # a range that wraps (NOV-FEB)
            out.update(v for i, v in enumerate([*range(low, field.high + 1),
                                                *range(field.low, high + 1)]) if i % every == 0)
    return out


def _never_fires(dom: str, month: str) -> str | None:
    """A problem when every day-of-month chosen is past the end of every month chosen
    ("0 0 0 31 2 ?": the 31st of February)."""
    days = _values(FIELDS[3], dom)
    if not days:
        return None
    months = _values(FIELDS[4], month) or set(range(1, 13))
    if any(day <= _MONTH_DAYS[m - 1] for day in days for m in months):
        return None
    names = ", ".join(MONTHS[m - 1] for m in sorted(months))
    return (f"day-of-month {dom} never occurs in {names}; the schedule would never run")


@functools.lru_cache(maxsize=256)
def zone_problem(zone: str) -> str | None:
    """What is wrong with a ``timezone_id``, or ``None`` for a known time zone ID."""
    if _ZONE_OFFSET.fullmatch(zone) or zone in ("UTC", "GMT", "Z"):
        return None
    known = _zones()
    if known:
        return None if zone in known else "not a known time zone ID"
    # No time zone database here: accept what is shaped like an ID.
    if ".." in zone or not _ZONE_SHAPE.fullmatch(zone):
        return "not a time zone ID"
    return None


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    import zoneinfo

    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # pragma: no cover - platform without a zone database
        return frozenset()


_ZONE_OFFSET = re.compile(r"(?:GMT|UTC|UT)?[+-](?:[01]?\d|2[0-3])(?::?[0-5]\d)?")
_ZONE_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")
