"""Checking and normalising one answer: its type, its choices, and per-key rules.

``check_answer(question, given)`` returns the clean value or raises an
``AnswerError`` whose message is one line: the key, the value, what is allowed,
and the exact option (or file line) that fixes it, e.g.::

    cloud: 'azur' is not one of azure, aws, gcp. Did you mean 'azure'? Pass --data cloud=azure.

Per-key rules go by the question's name, so a template that adds a question
called ``*_host`` or ``*_branch`` gets the same checks:

- ``project_name``: 3+ characters of letters, digits, ``_`` or ``-``, starting with a letter.
- ``*_host``: an ``https://`` URL; path, query and fragment are dropped, the host lowercased.
- ``*_branch``: a valid git branch name.
- ``*_catalog`` and ``schema_name``: letters, digits, ``_`` and ``-``.
- ``*_group``: letters, digits, spaces, ``.``, ``_``, ``@``, ``+`` and ``-``.
- ``*_requirement``: empty, or a pip requirement starting with ``mlops-stacks``.
- any string: one line, no control characters (a line break would inject YAML keys).
- any other string: not blank (surrounding spaces are removed).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from mlops_stacks.errors import AnswerError
from mlops_stacks.scaffold.answers import Given
from mlops_stacks.scaffold.questions import Question

_TRUE = {"true", "yes", "y", "on", "1", "t"}
_FALSE = {"false", "no", "n", "off", "0", "f"}
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Characters that mean nothing to YAML, shells and Python string literals, where
# the template writes these answers.
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$")
_BRANCH_CHARS = re.compile(r"[^A-Za-z0-9._/-]")
_REQUIREMENT = re.compile(r"^mlops-stacks[ <>=!~,.@:/+#\w-]*$")


class Problem(Exception):
    """A rule's verdict: what is wrong, and an optional corrected value to suggest."""

    def __init__(self, problem: str, suggestion: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.suggestion = suggestion


def did_you_mean(value: str, options: list[str]) -> str | None:
    """The closest option to ``value``, if one is close enough."""
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty (null)"
    return type(value).__name__


def _typed(q: Question, given: Given) -> Any:
    value = given.value
    if q.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise Problem("is not a boolean (use true or false)", "true")
    if q.type in ("int", "float"):
        cast: Callable[[Any], Any] = int if q.type == "int" else float
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if q.type == "int" and isinstance(value, float) and not value.is_integer():
                raise Problem("is not a whole number")
            return cast(value)
        try:
            return cast(str(value).strip())
        except ValueError:
            raise Problem(f"is not {'a whole number' if q.type == 'int' else 'a number'}") from None
    if q.type in ("yaml", "json") and given.from_text:
        import yaml

        try:
            return json.loads(value) if q.type == "json" else yaml.safe_load(value)
        except (ValueError, yaml.YAMLError):
            raise Problem(f"is not valid {q.type.upper()}") from None
    if q.type == "str":
        if not isinstance(value, str):
            raise Problem(f"is {_kind(value)}, not a string (quote it)", f'"{value}"')
        value = value.strip()
        if _CONTROL.search(value):
            # A line break would add keys to the YAML files the template writes.
            raise Problem(
                "contains a line break or control character: answers are one line",
                _CONTROL.sub(" ", value).strip() or None,
            )
        return value
    return value


def _choose(q: Question, value: Any) -> Any:
    values = q.choice_values
    if value in values:
        return value
    if isinstance(value, str):
        for v in values:
            if isinstance(v, str) and v.lower() == value.lower():
                return v
    names = [str(v) for v in values]
    close = did_you_mean(str(value), names) if isinstance(value, str) else None
    hint = f". Did you mean '{close}'?" if close else ""
    raise Problem(f"is not one of {', '.join(names)}{hint}", close or names[0])


def check_project_name(value: str) -> str:
    if len(value) < 3:
        raise Problem(
            "is too short: use 3 or more characters",
            f"{value}_project" if value[:1].isalpha() else "my_project",
        )
    if not value[0].isalpha() or not value[0].isascii():
        fixed = value.lstrip("0123456789_-")
        what = "a digit" if value[0].isdigit() else repr(value[0])
        suggestion = (
            fixed if len(fixed) >= 3 and fixed[0].isalpha() else f"project_{fixed or value}"
        )
        raise Problem(f"must start with a letter, not {what}", _NAME_CHARS.sub("_", suggestion))
    bad = sorted(set(_NAME_CHARS.findall(value)))
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise Problem(
            f"contains {shown}: use only letters, digits, _ and -", _NAME_CHARS.sub("_", value)
        )
    return value


def check_host(value: str) -> str:
    if not value:
        raise Problem(
            "is empty: give the workspace URL", "https://<workspace>.cloud.databricks.com"
        )
    if "://" not in value:
        raise Problem("is not a URL: it must start with https://", f"https://{value.rstrip('/')}")
    parts = urlsplit(value)
    if parts.scheme.lower() != "https":
        rest = value.split("://", 1)[1]
        raise Problem("must use https://", f"https://{urlsplit('x://' + rest).netloc}")
    host = parts.hostname or ""
    if not host or " " in value or not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        raise Problem("has no valid host name", "https://<workspace>.cloud.databricks.com")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise Problem("has an invalid port") from None
    return f"https://{host.lower()}{port}"


def check_group(value: str) -> str:
    if not _GROUP.match(value) or value.endswith(" "):
        raise Problem(
            "is not a group name mlops-stacks can write safely: use letters, digits, "
            "spaces, '.', '_', '@', '+' and '-', starting with a letter or digit",
            re.sub(r"[^A-Za-z0-9 ._@+-]+", "_", value).strip(" ._@+-") or "users",
        )
    return value


def check_branch(value: str) -> str:
    bad = (
        not value
        or re.search(r"[\s~^:?*\[\\]|\.\.|@\{|//", value)
        or value.startswith(("-", "/", "."))
        or value.endswith(("/", ".", ".lock"))
        or value == "@"
    )
    if bad:
        raise Problem(
            "is not a valid git branch name",
            re.sub(r"[^A-Za-z0-9/_.-]+", "-", value).strip("-./") or "main",
        )
    if _BRANCH_CHARS.search(value):
        shown = ", ".join(repr(c) for c in sorted(set(_BRANCH_CHARS.findall(value))))
        raise Problem(
            f"contains {shown}: use letters, digits, '.', '_', '-' and '/' in branch names",
            _BRANCH_CHARS.sub("-", value).strip("-./") or "main",
        )
    return value


def check_requirement(value: str) -> str:
    if value and not _REQUIREMENT.match(value):
        raise Problem(
            "is not a pip requirement for mlops-stacks mlops-stacks can write safely (e.g. "
            "mlops-stacks>=0.2,<0.3 or mlops-stacks @ git+https://host/repo.git; no quotes or $)",
            "",
        )
    return value


def check_identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise Problem(
            "is not a valid Unity Catalog name: use letters, digits, _ and -",
            re.sub(r"[^A-Za-z0-9_-]+", "_", value).strip("_-") or "main",
        )
    return value


def _rule(name: str) -> Callable[[str], str] | None:
    if name == "project_name":
        return check_project_name
    if name.endswith("_host"):
        return check_host
    if name.endswith("_branch"):
        return check_branch
    if name.endswith("_group"):
        return check_group
    if name.endswith("_requirement"):
        return check_requirement
    if name.endswith("_catalog") or name == "schema_name":
        return check_identifier
    return None


def check_answer(q: Question, given: Given) -> Any:
    """Type, choice and rule checks for one answer; returns the normalised value."""
    try:
        value = _typed(q, given)
        if q.choices:
            value = _choose(q, value)
        rule = _rule(q.name)
        if rule is not None and isinstance(value, str):
            value = rule(value)
        elif q.type == "str" and isinstance(value, str) and not value and q.default != "":
            raise Problem("is empty", None)
    except Problem as p:
        shown = given.value if not q.secret else "***"
        fix = (
            given.fix(q.name, p.suggestion)
            if p.suggestion is not None
            else (f"Give a value for {q.name}" + (f" ({q.help})." if q.help else "."))
        )
        end = " " if p.problem.endswith(("?", ".")) else ". "
        raise AnswerError(f"{given.where}{q.name}: {shown!r} {p.problem}{end}{fix}") from None
    return value
