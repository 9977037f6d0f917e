"""Secret values: which configuration values are secrets, and how they are hidden.

A value is a secret when

- its key looks secret (``password``, ``passwd``, ``secret``, ``token``,
  ``credential``, ``api_key``, ``private_key``, ...), or
- it is the value of an entry whose ``name`` or ``key`` looks secret (job
  parameters ``{name: db_password, default: ...}``, tags ``{key: api_token,
  value: ...}``), or
- it is the value of a variable declared ``sensitive: true`` (an mlops-stacks
  extension of the bundle format: the Databricks CLI has no equivalent) or
  named like a secret, found wherever that value was substituted.

``{{secrets/<scope>/<key>}}`` references name a secret without holding it:
they pass through untouched.

Secrets are shown as ``***`` (``mask``) and stored as ``***`` followed by a
salted hash (``seal``): enough for a plan to notice that a secret changed,
never enough to print it.
"""

from __future__ import annotations

import hashlib
import re
import secrets as _random
from collections.abc import Callable, Iterable

from mlops_stacks.jsontypes import JsonObject, JsonValue

#: Keys and parameter names whose values are secrets.
SECRET_NAME = re.compile(
    r"(secret|token|password|passwd|pwd|credential|api[_-]?key|private[_-]?key|access[_-]?key)",
    re.IGNORECASE)
#: A reference to a secret in a Databricks secret scope (not a secret itself).
SECRET_REFERENCE = re.compile(r"\{\{\s*secrets/[^/{}\s]+/[^/{}\s]+\s*\}\}")
MASK = "***"
_SEALED = re.compile(r"\*\*\*[0-9a-f]{24}")
#: Sensitive values shorter than this are not searched for in text (too many false hits).
MIN_VALUE_LENGTH = 4
_ENTRY_NAMES = ("name", "key")
_ENTRY_VALUES = ("default", "value")


def new_salt() -> str:
    return _random.token_hex(16)


def is_secret_name(name: object) -> bool:
    return bool(SECRET_NAME.search(str(name)))


def _hides(value: JsonValue) -> bool:
    """Whether a value at a secret place is hidden (not empty, not a secret reference)."""
    if value in (None, "") or isinstance(value, (dict, list, bool)):
        return False
    return not (isinstance(value, str) and SECRET_REFERENCE.fullmatch(value.strip()))


class Secrets:
    """Hides secrets in configuration trees and text.

    ``values`` are the known secret values (sensitive variables); ``salt`` makes
    ``seal`` hashes unguessable from the value alone.
    """

    def __init__(self, values: Iterable[str] = (), salt: str = "") -> None:
        self.values = sorted({str(v) for v in values if len(str(v)) >= MIN_VALUE_LENGTH},
                             key=len, reverse=True)
        self.salt = salt

    # -- one value --------------------------------------------------------------
    def seal(self, value: JsonValue) -> str:
        """``***`` and a salted hash of ``value``: compares equal only for the same value."""
        if isinstance(value, str) and _SEALED.fullmatch(value):
            return value  # sealed already (a state read back)
        digest = hashlib.sha256(f"{self.salt}\0{value!r}".encode()).hexdigest()[:24]
        return f"{MASK}{digest}"

    def text(self, value: str) -> str:
        """``value`` with every known secret value in it replaced by ``***``."""
        for secret in self.values:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    # -- trees ------------------------------------------------------------------
    def mask(self, value: JsonValue) -> JsonValue:
        """A copy of ``value`` with every secret shown as ``***``."""
        return self._walk(value, lambda _v: MASK, False)

    def sealed(self, value: JsonValue) -> JsonValue:
        """A copy of ``value`` with every secret replaced by its salted hash (for storage)."""
        return self._walk(value, self.seal, False)

    def _walk(
        self, value: JsonValue, hide: Callable[[JsonValue], JsonValue], secret: bool
    ) -> JsonValue:
        if isinstance(value, dict):
            entry_secret = any(is_secret_name(value.get(n)) for n in _ENTRY_NAMES
                               if isinstance(value.get(n), str))
            out = {}
            for k, v in value.items():
                # a secret-looking key hides its scalar values, not whole sections
                # (``secret_scopes`` resources stay readable)
                inner = is_secret_name(k) or (entry_secret and k in _ENTRY_VALUES)
                out[k] = self._walk(v, hide, inner)
            return out
        if isinstance(value, list):
            return [self._walk(v, hide, secret) for v in value]
        if secret and _hides(value):
            return hide(value)
        if isinstance(value, str) and self.values:
            masked = self.text(value)
            if masked != value:
                return hide(value)
        return value


def bundle_secrets(config: JsonObject, salt: str = "") -> Secrets:
    """The secrets of a resolved bundle configuration: the values of its variables declared
    ``sensitive: true`` or named like a secret (``api_token``)."""
    values = []
    for name, var in (config.get("variables") or {}).items():
        if isinstance(var, dict) and (var.get("sensitive") is True or is_secret_name(name)):
            value = var.get("value", var.get("default"))
            if value is not None and not isinstance(value, (dict, list, bool)):
                values.append(str(value))
    return Secrets(values, salt)


class SecretMismatch(Exception):
    """A sealed value whose secret the current configuration does not hold; ``path`` says where."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def unseal(recorded: JsonValue, current: JsonValue, secrets: Secrets, path: str = "") -> JsonValue:
    """``recorded`` with each sealed value replaced by the value at the same place in
    ``current``, when that value seals to the same hash; ``SecretMismatch`` otherwise.

    Used to run a deployed job whose record holds only hashes: the secrets come from
    the bundle as loaded now (the same ``--var`` / ``BUNDLE_VAR_*`` values as the deploy).
    """
    if isinstance(recorded, dict):
        cur = current if isinstance(current, dict) else {}
        return {k: unseal(v, cur.get(k), secrets, f"{path}.{k}" if path else str(k))
                for k, v in recorded.items()}
    if isinstance(recorded, list):
        cur_list = current if isinstance(current, list) else []
        return [unseal(v, cur_list[i] if i < len(cur_list) else None, secrets, f"{path}[{i}]")
                for i, v in enumerate(recorded)]
    if isinstance(recorded, str) and _SEALED.fullmatch(recorded):
        if current is None or secrets.seal(current) != recorded:
            raise SecretMismatch(path)
        remember([str(current)])
        return current
    return recorded


_PROCESS_VALUES: set[str] = set()


def remember(values: Iterable[str]) -> None:
    """Note secret values this process handles, so records it writes hide them."""
    _PROCESS_VALUES.update(v for v in values if len(v) >= MIN_VALUE_LENGTH)


def process_secrets() -> Secrets:
    """The secrets this process was told about (``remember``), for masking what it writes."""
    return Secrets(_PROCESS_VALUES)
