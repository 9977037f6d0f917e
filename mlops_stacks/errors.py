"""The exception family of mlops-stacks.

Every error a user can cause is an ``MlopsStacksError``. The CLI prints its
message (never a traceback, unless ``--debug``) and exits with its
``exit_code``::

    MlopsStacksError            exit 1: something the user can fix
    ├── UsageError              exit 2: bad command-line usage or missing answers
    ├── AnswerError             a bad template answer or answers file (init/update)
    ├── ConfigError             bundle configuration has errors; carries diagnostics
    ├── MissingDependencyError  an optional extra (e.g. [local]) is not installed
    ├── WorkspaceError          a workspace (local or Databricks) refused an operation
    │   ├── LockError           the deployment lock is held by someone else
    │   └── AuthError           no usable credentials for a remote workspace
    └── RunError                a job run failed

Messages say what went wrong, where, and how to fix it. Constructors never
print; rendering is the CLI's job.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_stacks.diagnostics import Diagnostics


#: Said after a workspace failure, for the commands that change a workspace (``CHANGING``):
#: what they applied is recorded, so running them again picks up where they stopped.
CONVERGES = ("Deployment state records every change applied so far, so running the command "
             "again converges.")
#: The commands ``CONVERGES`` is true for; the others (validate, plan, ...) change nothing.
CHANGING = frozenset({"deploy", "destroy", "deployment"})


def release_frames(err: BaseException) -> BaseException:
    """``err`` with the local variables of its finished frames let go (its chain too).

    A kept error keeps, through its traceback, every local of the calls it came from:
    a deploy that collects its failures to report them at the end would otherwise hold
    each failed request's answer until then. The traceback itself still prints
    (``--debug``); only the variables are gone. Frames still running are left alone."""
    import traceback

    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        todo += [current.__cause__, current.__context__]
    return err


class MlopsStacksError(Exception):
    """Base class of every error mlops-stacks reports to its users."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n{self.hint}"
        return self.message


class UsageError(MlopsStacksError):
    """Wrong command-line usage, or required input missing without a terminal."""

    exit_code = 2


class AnswerError(MlopsStacksError):
    """A template answer (or answers file) is invalid."""


class ConfigError(MlopsStacksError):
    """The bundle configuration has errors; ``diagnostics`` holds them all."""

    def __init__(
        self, message: str, diagnostics: Diagnostics | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        from mlops_stacks.diagnostics import Diagnostics

        self.diagnostics = diagnostics if diagnostics is not None else Diagnostics()


class MissingDependencyError(MlopsStacksError):
    """A command needs an optional dependency that is not installed."""


class WorkspaceError(MlopsStacksError):
    """A workspace operation failed."""


class LockError(WorkspaceError):
    """The deployment lock for a target is held by another deploy."""


class AuthError(WorkspaceError):
    """No usable credentials for a remote workspace."""


class RunError(MlopsStacksError):
    """A job run failed or could not start."""


def require_extra(module: str, extra: str = "local", purpose: str = "this command") -> None:
    """Raise ``MissingDependencyError`` naming the install command if ``module`` is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"{purpose} needs the Python package '{module}', which is not installed.",
            hint=f'Install it with: pip install "mlops-stacks[{extra}]"',
        )


def os_error(exc: OSError) -> MlopsStacksError:
    """An ``OSError`` on a path as an error for the user: what the system said, and where."""
    where = f": {exc.filename}" if exc.filename else ""
    name = str(exc.filename or "")
    hint = "Check the path and its permissions."
    if exc.errno == errno.ENAMETOOLONG or any(len(p.encode("utf-8", "replace")) > 255
                              for p in name.split("/")):
        hint = "A file or folder name may be at most 255 bytes long; shorten it."
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = ("The disk (or your quota) is full. Free some space, then run the command "
                "again; files written in full before this stay as they were.")
    elif exc.errno == errno.EROFS:
        hint = "The file system is read-only; use a writable folder."
    return MlopsStacksError(f"{exc.strerror or exc}{where}", hint=hint + (
        " Run with --debug for the full traceback."))
