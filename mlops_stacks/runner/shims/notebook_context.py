"""The notebook-path chain of Databricks notebooks:
``dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()``.

Locally it gives the notebook's synced file without its ``.py`` suffix (as
Databricks gives the workspace path without one). Projects prefix it with
``/Workspace`` and ``%cd`` there; the ``%cd`` shim takes that prefix off.
"""

from __future__ import annotations

from mlops_stacks.jsontypes import JsonValue


class _Option:
    """A Scala ``Option``: ``get()``, ``isDefined()``, ``getOrElse(default)``."""

    def __init__(self, value: JsonValue) -> None:
        self._value = value

    def get(self) -> JsonValue:
        if self._value is None:
            raise ValueError("None.get: the value is not set locally")
        return self._value

    def isDefined(self) -> bool:  # noqa: N802 - Databricks' name
        return self._value is not None

    def getOrElse(self, default: JsonValue) -> JsonValue:  # noqa: N802
        return default if self._value is None else self._value


class _Context:
    def __init__(self, path: str | None) -> None:
        self._path = path

    def notebookPath(self) -> _Option:  # noqa: N802
        return _Option(self._path)

    def currentRunId(self) -> _Option:  # noqa: N802
        import os

        return _Option(os.environ.get("MLOPS_STACKS_RUN_ID"))

    def tags(self) -> dict[str, str]:
        return {}


class EntryPoint:
    """``entry_point.getDbutils().notebook().getContext()``."""

    def __init__(self, path: str | None) -> None:
        self._path = path

    def getDbutils(self) -> EntryPoint:  # noqa: N802
        return self

    def notebook(self) -> EntryPoint:
        return self

    def getContext(self) -> _Context:  # noqa: N802
        return _Context(self._path)
