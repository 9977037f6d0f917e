"""What the workspace answered, checked before anything reads it.

``parse`` turns one ``RawAnswer`` into::

    2xx, a JSON object          -> Answer (a JSON list becomes {"items": [...]}, no body {})
    4xx / 5xx                    -> raises HttpError (status, error code, message); errors.py
                                    converts it into our errors and decides on retries
    2xx that is not JSON, a JSON
    scalar, or a 3xx redirect    -> raises UnexpectedAnswer (an HTML login or proxy page is
                                    not an authentication error)

An ``Answer`` is a dict that knows which call it answers. Reading a field that
is missing (``answer["job_id"]``) or of the wrong shape (``answer.id("job_id")``,
``.obj``, ``.objects``, ``.text``) raises ``UnexpectedAnswer`` with the
endpoint, the status, the field and a short escaped excerpt of the body,
instead of a ``KeyError`` or ``AttributeError`` from deep inside a deploy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from mlops_stacks.errors import CONVERGES, WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.workspace.databricks.http import Context, RawAnswer, excerpt, printable, redact

#: Characters no workspace ID contains, that would change a URL or path it goes into.
_NOT_IN_IDS = frozenset("/\\?#% ")


#: More values than any answer of the API we use holds (memory: each is a Python object).
MAX_JSON_VALUES = 1_000_000


class UnexpectedAnswer(WorkspaceError):
    """The workspace answered something that is not what its API promises."""


class HttpError(Exception):
    """A 4xx/5xx answer, before conversion (``errors.convert``) into our errors."""

    def __init__(
        self, raw: RawAnswer, code: str, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{raw.status} {code}: {message}".strip())
        self.status = raw.status
        self.code = code
        self.message = message
        self.endpoint = raw.endpoint
        self.retry_after = retry_after


def unexpected(raw: RawAnswer, problem: str, ctx: Context | None = None) -> UnexpectedAnswer:
    where = f" ({ctx.host})" if ctx and ctx.host else ""
    start = redact(excerpt(raw.body), ctx.secrets if ctx else ())
    return UnexpectedAnswer(
        f"The workspace{where} answered unexpectedly to {raw.endpoint} ({raw.status}): "
        f"{problem}. The answer starts with: '{start}'",
        hint="This is the server's doing, not the bundle's. An HTML page usually means a "
        "login page or proxy stands between you and the workspace: check workspace.host "
        f"(DATABRICKS_HOST) is the workspace URL, and your proxy settings. {CONVERGES}",
    )


def _content_type(raw: RawAnswer) -> str:
    return str(raw.headers.get("Content-Type") or "").split(";")[0].strip() or "no content type"


def _retry_after(raw: RawAnswer) -> float | None:
    value = str(raw.headers.get("Retry-After") or "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_text(raw: RawAnswer) -> tuple[str, str]:
    """(error code, message) from an error body in any of the shapes Databricks uses."""
    try:
        doc = json.loads(raw.body) if raw.body.strip() else None
    except ValueError:
        doc = None
    if isinstance(doc, Mapping):
        code = doc.get("error_code") or doc.get("error") or doc.get("scimType") or ""
        message = (
            doc.get("message") or doc.get("error_description") or doc.get("detail") or ""
        )
        if isinstance(code, str) and isinstance(message, str) and (code or message):
            return code, message
    text = raw.body.decode("utf-8", errors="replace").strip()
    kind = _content_type(raw)
    return "", f"({kind}) {' '.join(text.split())}" if text else f"({kind}, empty body)"


def parse(raw: RawAnswer, ctx: Context | None = None) -> Answer:
    """The checked answer of one call (see the module docstring)."""
    if raw.status >= 400:
        code, message = _error_text(raw)
        raise HttpError(raw, code, message, _retry_after(raw))
    if raw.status >= 300:
        target = printable(str(raw.headers.get("Location") or "nowhere"))[:200]
        raise unexpected(raw, f"a redirect to {target}", ctx)
    if not raw.body.strip():
        return Answer({}, raw, ctx)
    values = raw.body.count(b",") + raw.body.count(b"{") + raw.body.count(b"[")
    if values > MAX_JSON_VALUES:
        # Under the size cap, 60 MB of "{}," would still become 20 million objects.
        raise unexpected(raw, f"the answer holds more than {MAX_JSON_VALUES:,} JSON values", ctx)
    try:
        doc = json.loads(raw.body)
    except RecursionError:
        raise unexpected(raw, "the answer's JSON is nested too deeply", ctx) from None
    except (ValueError, UnicodeDecodeError):
        raise unexpected(raw, f"the answer is not JSON ({_content_type(raw)})", ctx) from None
    if isinstance(doc, list):
        doc = {"items": doc}
    if not isinstance(doc, dict):
        raise unexpected(raw, f"the answer is a JSON {type(doc).__name__}, not an object", ctx)
    return Answer(doc, raw, ctx)


def _kind(value: JsonValue) -> str:
    for cls, name in ((bool, "a boolean"), (dict, "an object"), (list, "a list"),
                      (str, "a string"), ((int, float), "a number")):  # fmt: skip
        if isinstance(value, cls):
            return name
    return "null" if value is None else type(value).__name__


class Answer(JsonObject):
    """A JSON object from the workspace whose fields are checked when read."""

    def __init__(self, data: JsonMapping, raw: RawAnswer, ctx: Context | None = None,
                 where: str = "") -> None:  # fmt: skip
        super().__init__(data)
        self._raw = raw
        self._ctx = ctx
        self._where = where

    def _name(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where else str(key)

    def unexpected(self, problem: str) -> UnexpectedAnswer:
        return unexpected(self._raw, problem, self._ctx)

    def _wrap(self, key: str, value: JsonValue) -> JsonValue:
        if isinstance(value, dict) and not isinstance(value, Answer):
            return Answer(value, self._raw, self._ctx, self._name(key))
        if isinstance(value, list):
            return [
                Answer(v, self._raw, self._ctx, f"{self._name(key)}[{i}]")
                if isinstance(v, dict) and not isinstance(v, Answer) else v
                for i, v in enumerate(value)
            ]  # fmt: skip
        return value

    def __getitem__(self, key: str) -> JsonValue:
        if not dict.__contains__(self, key):
            raise self.unexpected(f"the field '{self._name(key)}' is missing")
        value = dict.__getitem__(self, key)
        if isinstance(key, str) and (key == "id" or key.endswith("_id")):
            self._check_id(key, value)
        return self._wrap(key, value)

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        if not dict.__contains__(self, key):
            return default
        return self._wrap(key, dict.__getitem__(self, key))

    # -- typed reads -------------------------------------------------------------------
    def obj(self, key: str) -> Answer:
        """The object under ``key`` (empty when missing or null)."""
        value = self.get(key)
        if value is None:
            return Answer({}, self._raw, self._ctx, self._name(key))
        if not isinstance(value, Answer):
            raise self.unexpected(
                f"the field '{self._name(key)}' should be an object, not {_kind(value)}"
            )
        return value

    def objects(self, key: str) -> list[Answer]:
        """The list of objects under ``key`` (empty when missing or null)."""
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.unexpected(
                f"the field '{self._name(key)}' should be a list, not {_kind(value)}"
            )
        for i, item in enumerate(value):
            if not isinstance(item, Answer):
                raise self.unexpected(
                    f"the field '{self._name(key)}[{i}]' should be an object, not {_kind(item)}"
                )
        return value

    def text(self, key: str, default: str = "") -> str:
        """The string under ``key`` (``default`` when missing or null); numbers are spelled out."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.unexpected(
                f"the field '{self._name(key)}' should be a string, not {_kind(value)}"
            )
        return str(value)

    def number(self, key: str) -> float | None:
        """The number under ``key`` (``None`` when missing or null)."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.unexpected(
                f"the field '{self._name(key)}' should be a number, not {_kind(value)}"
            )
        return float(value)

    def id(self, key: str, *, integer: bool = False) -> str:
        """The identifier under ``key`` (see ``_check_id``) as a string.

        ``integer``: it must be a whole number (job and run IDs).
        """
        value = self[key]
        text = self._check_id(key, value)
        if integer and not (text.isascii() and text.isdigit()):
            raise self.unexpected(
                f"the field '{self._name(key)}' should be a whole number, not '{printable(text)}'"
            )
        return text

    def _check_id(self, key: str, value: JsonValue) -> str:
        """Every ID the workspace gives (``id``, ``*_id``) is a non-empty string or number
        without path, query or control characters: IDs go into URLs and paths."""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.unexpected(
                f"the field '{self._name(key)}' should be an ID, not {_kind(value)}"
            )
        text = str(value)
        if (
            not text
            or len(text) > 256
            or printable(text) != text
            or any(ch in text for ch in _NOT_IN_IDS)
            or text in (".", "..")
        ):
            raise self.unexpected(
                f"the field '{self._name(key)}' is not a usable ID: '{printable(text)[:80]}'"
            )
        return text
