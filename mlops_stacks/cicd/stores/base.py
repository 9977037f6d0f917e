"""A CI platform's secret store, reached through the platform's own CLI.

``SecretStore`` is what ``cicd setup`` and ``cicd check`` need of a platform:
whether its CLI can be used (installed and logged in), which secrets a scope
holds, how to store one, and where a person would set it by hand. Secret values
reach the CLI on its standard input (or, for ``az``, the environment variable it
documents for secret values), never on its command line, and are never logged:
a failing CLI's message is shown with the value taken out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from mlops_stacks.errors import MlopsStacksError

#: Seconds a platform CLI may take for one call.
CLI_TIMEOUT = 120.0


class StoreError(MlopsStacksError):
    """The platform CLI refused or failed."""


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run(argv: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None,
        secret: str | None = None) -> Result:
    """Run a platform CLI; ``secret`` (when given) is scrubbed from what it printed."""
    program = shutil.which(argv[0])
    if program is None:
        raise StoreError(f"{argv[0]} is not installed.")
    try:
        done = subprocess.run(
            [program, *argv[1:]], input=stdin if stdin is not None else "", text=True,
            capture_output=True, timeout=CLI_TIMEOUT,
            env={**os.environ, **(env or {})}, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise StoreError(f"`{' '.join(argv)}` did not finish in {CLI_TIMEOUT:g} s.") from None
    except OSError as exc:
        raise StoreError(f"Cannot run {argv[0]}: {exc.strerror}.") from None
    out, errors = done.stdout, done.stderr
    if secret:
        out, errors = out.replace(secret, "***"), errors.replace(secret, "***")
    return Result(done.returncode, out, errors)


def checked(argv: list[str], **kwargs: object) -> Result:
    """``run`` that raises ``StoreError`` with the CLI's own message when it fails."""
    # ``kwargs`` are run()'s own keyword arguments, passed through unchanged
    result = run(argv, **kwargs)  # type: ignore[arg-type]
    if result.code != 0:
        message = (result.err.strip() or result.out.strip() or f"exit code {result.code}")
        raise StoreError(f"`{' '.join(argv)}` failed: {message.splitlines()[-1][:400]}")
    return result


class SecretStore:
    """One CI platform's secrets (subclasses per platform)."""

    #: The CLI program.
    program = ""
    label = ""

    def unusable(self) -> str | None:
        """Why the CLI cannot be used now (not installed, not logged in); None when it can."""
        if shutil.which(self.program) is None:
            return f"{self.program} is not installed"
        return self.logged_out()

    def logged_out(self) -> str | None:
        raise NotImplementedError

    def existing(self, scope: str | None) -> set[str]:
        """Names of the secrets ``scope`` holds (an empty set when the scope does not exist)."""
        raise NotImplementedError

    def put(self, scope: str | None, name: str, value: str) -> None:
        raise NotImplementedError

    def where(self, scope: str | None) -> str:
        """Where a secret of ``scope`` lives, for people: ``GitHub environment prod``."""
        raise NotImplementedError

    def manual(self, scope: str | None, name: str) -> str:
        """How a person sets the secret (the value is never part of it)."""
        raise NotImplementedError


__all__ = ["CLI_TIMEOUT", "Result", "SecretStore", "StoreError", "checked", "run"]
