"""A local ``dbutils`` for notebooks run by the local runner (runs inside the task process).

Covers what project notebooks use on Databricks: ``widgets``,
``jobs.taskValues``, ``notebook.exit``, ``library.restartPython`` (a no-op)
and a small local ``fs``. ``TaskOutput`` records what the task reports back
to the runner (task values, exit value) in a JSON file, rewritten on every
change so that values survive a later failure.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from mlops_stacks.fileio import atomic_write_json as write_json_atomic
from mlops_stacks.jsontypes import JsonObject, JsonValue


class InputWidgetNotDefined(Exception):
    """Raised by ``dbutils.widgets.get`` for a name that is neither a widget nor a parameter."""


class NotebookExit(BaseException):  # noqa: N818 - mirrors Databricks' control flow, not an error
    """Raised by ``dbutils.notebook.exit``: ends the notebook successfully with a value."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


class TaskOutput:
    """What a task reports to the runner: task values, exit value, error summary."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.values: JsonObject = {}
        self.result: JsonValue = None
        self.exited = False
        self.error: str | None = None

    def write(self) -> None:
        if self.path is None:
            return
        data = {
            "values": self.values,
            "result": self.result,
            "exited": self.exited,
            "error": self.error,
        }
        write_json_atomic(self.path, data)


class Widgets:
    """``dbutils.widgets``: parameters given to the task win over widget defaults."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = dict(values)
        self._defaults: dict[str, str] = {}

    def _define(self, name: str, default: JsonValue) -> None:
        self._defaults[str(name)] = "" if default is None else str(default)

    def text(self, name: str, defaultValue: str = "", label: str | None = None) -> None:  # noqa: N803
        self._define(name, defaultValue)

    def dropdown(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: list[str],
        label: str | None = None,
    ) -> None:
        if str(defaultValue) not in [str(c) for c in choices]:
            raise ValueError(
                f"Default value '{defaultValue}' of dropdown widget '{name}' is not one of "
                f"its choices {list(choices)}"
            )
        self._define(name, defaultValue)

    def combobox(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: list[str],
        label: str | None = None,
    ) -> None:
        self._define(name, defaultValue)

    # Same arguments and, locally, the same effect: the default until a parameter is given.
    multiselect = combobox

    def get(self, name: str) -> str:
        if name in self._values:
            return self._values[name]
        if name in self._defaults:
            return self._defaults[name]
        raise InputWidgetNotDefined(f"No input widget named {name} is defined")

    def getArgument(self, name: str, defaultValue: str | None = None) -> str:  # noqa: N802,N803
        try:
            return self.get(name)
        except InputWidgetNotDefined:
            if defaultValue is not None:
                return defaultValue
            raise

    def getAll(self) -> dict[str, str]:  # noqa: N802
        return {**self._defaults, **self._values}

    def remove(self, name: str) -> None:
        if name not in self._defaults:
            raise InputWidgetNotDefined(f"No input widget named {name} is defined")
        del self._defaults[name]

    def removeAll(self) -> None:  # noqa: N802
        self._defaults.clear()

    def help(self) -> None:
        print("Local dbutils.widgets: text, dropdown, combobox, multiselect, get, getAll, remove")


class TaskValues:
    """``dbutils.jobs.taskValues``: values shared between the tasks of one run."""

    MAX_BYTES = 48 * 1024

    def __init__(self, upstream: dict[str, JsonObject], output: TaskOutput) -> None:
        self._upstream = upstream
        self._output = output

    def set(self, key: str, value: JsonValue) -> None:
        try:
            encoded = json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Task value '{key}' must be JSON-serialisable: {exc}") from None
        if len(encoded.encode()) > self.MAX_BYTES:
            raise ValueError(f"Task value '{key}' is larger than 48 KiB")
        self._output.values[str(key)] = json.loads(encoded)
        self._output.write()

    def get(
        self,
        taskKey: str,  # noqa: N803
        key: str,
        default: JsonValue = None,
        debugValue: JsonValue = None,  # noqa: N803 - only used outside a job run
    ) -> JsonValue:
        values = self._upstream.get(taskKey)
        if values is not None and key in values:
            return values[key]
        if default is not None:
            return default
        if values is None:
            known = ", ".join(self._upstream) or "none"
            raise ValueError(
                f"Task value '{key}' of task '{taskKey}' is unavailable: '{taskKey}' has not run "
                f"in this run (tasks with values: {known})"
            )
        raise ValueError(f"Task '{taskKey}' did not set a task value '{key}'")


class Jobs:
    def __init__(self, task_values: TaskValues) -> None:
        self.taskValues = task_values  # noqa: N815


class Notebook:
    path: str | None = None  # the running notebook's file without ``.py`` (set by the runner)

    @property
    def entry_point(self) -> Any:
        from mlops_stacks.runner.shims.notebook_context import EntryPoint

        return EntryPoint(self.path)

    def exit(self, value: JsonValue = "") -> None:
        raise NotebookExit("" if value is None else str(value))


class Library:
    def restartPython(self) -> None:  # noqa: N802 - packages are installed before the run
        return None


class Fs:
    """A small local ``dbutils.fs`` (``file:`` paths or plain paths)."""

    @staticmethod
    def _p(path: str) -> Path:
        from mlops_stacks.runner.spark.paths import local_path

        path = local_path(path, generate=False)
        for prefix in ("file:", "dbfs:"):
            if path.startswith(prefix):
                path = path[len(prefix) :]
        return Path(path)

    def ls(self, path: str) -> list[str]:
        return sorted(str(p) + ("/" if p.is_dir() else "") for p in self._p(path).iterdir())

    def head(self, file: str, maxBytes: int = 65536) -> str:  # noqa: N803
        with open(self._p(file), encoding="utf-8", errors="replace") as f:
            return f.read(maxBytes)

    def put(self, file: str, contents: str, overwrite: bool = False) -> bool:
        p = self._p(file)
        if p.exists() and not overwrite:
            raise FileExistsError(f"{file} exists; pass overwrite=True")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(contents, encoding="utf-8")
        return True

    def mkdirs(self, dir: str) -> bool:  # noqa: A002 - Databricks' parameter name
        self._p(dir).mkdir(parents=True, exist_ok=True)
        return True

    def rm(self, dir: str, recurse: bool = False) -> bool:  # noqa: A002
        p = self._p(dir)
        if p.is_dir():
            if not recurse:
                raise IsADirectoryError(f"{dir} is a directory; pass recurse=True")
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
        else:
            return False
        return True

    def cp(self, from_: str, to: str, recurse: bool = False) -> bool:
        src, dst = self._p(from_), self._p(to)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        return True


class DBUtils:
    """The ``dbutils`` object handed to notebooks."""

    def __init__(
        self,
        widgets: dict[str, str],
        upstream_values: dict[str, JsonObject],
        output: TaskOutput,
    ) -> None:
        self.widgets = Widgets(widgets)
        self.jobs = Jobs(TaskValues(upstream_values, output))
        self.notebook = Notebook()
        self.library = Library()
        self.fs = Fs()

    def help(self) -> None:
        print("Local dbutils: widgets, jobs.taskValues, notebook.exit, library, fs")


def display(obj: Any = None, *args: Any, **kwargs: Any) -> None:
    """Print a short text rendering (a DataFrame's first rows)."""
    head = getattr(obj, "head", None)
    to_string = getattr(obj, "to_string", None)
    if callable(head) and callable(to_string):
        print(head(20).to_string())
        n = len(obj) if hasattr(obj, "__len__") else None
        if n is not None and n > 20:
            print(f"... ({n} rows)")
    else:
        print(obj)


def display_html(html: str) -> None:
    print(html)
