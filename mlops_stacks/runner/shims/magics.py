"""IPython line magics in Databricks notebooks: ``%cd``, ``%pip``, ``%load_ext``, ``%autoreload``.

They appear as ``# MAGIC`` cells (``# MAGIC %load_ext autoreload``) or as bare
lines inside Python cells (``%cd $notebook_path``, with the Python that follows
depending on it). ``python_source`` turns each bare magic line into a call of
``run_line`` (line numbers are kept), and ``run_cell`` runs a magic cell line by line.

- ``%cd PATH``: ``$name`` / ``${name}`` take the notebook's variables; a
  ``/Workspace`` prefix is dropped when the rest is a local folder; the new working
  folder is put first on ``sys.path``, so the imports that follow find the
  project's modules, as on Databricks;
- ``%pip ...``: not run mid-run: the pre-run check reads its requirements (``pip.py``);
- ``%load_ext autoreload`` and ``%autoreload N``: files do not change during a
  local run, so there is nothing to reload;
- any other line magic fails the task, naming the file and line.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from mlops_stacks.jsontypes import JsonObject

CALL = "__mlops_stacks_magic__"
CELL_MAGICS = ("load_ext", "autoreload", "cd", "matplotlib")
# Line magics recognised at the start of a line of a Python cell (others are left to Python).
KNOWN = frozenset({"cd", "pip", "conda", "load_ext", "reload_ext", "autoreload", "matplotlib",
                   "env", "run", "sh", "sql", "time", "timeit"})
_LINE = re.compile(r"^(?P<indent>[ \t]*)%(?P<name>[A-Za-z_]\w*)(?P<rest>.*)$")
_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")


class MagicError(Exception):
    """A line magic that cannot run locally."""


def python_source(source: str) -> str:
    """``source`` with bare ``%magic`` lines replaced by calls (same line numbers)."""
    if "%" not in source:
        return source
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        m = _LINE.match(line)
        if m and m["name"] in KNOWN:
            line = (f"{m['indent']}{CALL}({m['name']!r}, {m['rest'].strip()!r}, {number})")
        out.append(line)
    return "\n".join(out)


def bind(env: JsonObject, path: Path) -> None:
    """Give the notebook's globals the function the rewritten lines call."""

    def call(name: str, rest: str, line: int) -> None:
        run_line(name, rest, env, f"{path.name}:{line}")

    env[CALL] = call


def run_cell(body: str, env: JsonObject, where: str) -> None:
    """A ``# MAGIC`` cell of line magics (``%load_ext autoreload`` / ``%autoreload 2``)."""
    for line in body.splitlines():
        m = _LINE.match(line)
        if m:
            run_line(m["name"], m["rest"].strip(), env, where)


def run_line(name: str, rest: str, env: JsonObject, where: str) -> None:
    if name == "cd":
        change_directory(_expand(rest, env), where)
    elif name == "pip":
        print(f"[mlops-stacks] {where}: skipped %pip {rest} (packages are checked before "
              "a local run)", flush=True)
    elif name == "load_ext" and rest.split()[:1] == ["autoreload"]:
        return
    elif name in ("autoreload", "matplotlib"):
        return
    else:
        raise MagicError(f"{where}: %{name} cannot run locally; the local runner supports "
                         "%cd, %pip, %load_ext autoreload and %autoreload in Python cells")


def change_directory(target: str, where: str) -> None:
    """``%cd``: ``~`` and ``..`` as in a shell, a ``/Workspace`` prefix dropped when local."""
    text = target.strip().strip("'\"") or "~"
    path = Path(os.path.expanduser(text))
    if text.startswith("/Workspace/") and not path.is_dir():
        path = Path("/" + text[len("/Workspace/") :].lstrip("/"))
    if not path.is_dir():
        raise MagicError(f"{where}: %cd {target}: no such folder ({path})")
    os.chdir(path)
    cwd = os.getcwd()
    if cwd in sys.path:
        sys.path.remove(cwd)
    sys.path.insert(0, cwd)
    print(cwd, flush=True)


def _expand(text: str, env: JsonObject) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return str(env[name]) if name in env else m.group(0)

    return _VAR.sub(value, text)
