"""LoadPythonResources: resources defined in Python with the ``databricks-bundles`` package.

Reads: ``python.resources`` (``"module:function"`` entries), ``python.venv_path``
and the configuration so far (variables have their values). Runs, as the
Databricks CLI does, ``python -m databricks.bundles.build --phase
load_resources`` in the bundle root with the project's Python (the
interpreter of ``python.venv_path``, else the one running mlops-stacks), and
merges the resources it returns into ``resources`` (those already in YAML are
kept), located at the Python source lines the package reports. Then, when
``python.mutators`` lists functions, runs the ``apply_mutators`` phase over
every resource and takes the resources it returns in place of the ones given
(a resource the mutators left alone keeps its YAML location).

Errors: the package is not installed in that Python (with the command that
installs it), the build fails (its diagnostics, or the end of its output).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import GENERATED, Node, to_plain
from mlops_stacks.diagnostics import Diagnostic, Diagnostics, Location, error, warning
from mlops_stacks.jsontypes import JsonObject, JsonValue

TIMEOUT_SECONDS = 300
#: What Python says when the package (or the databricks namespace) is not installed.
_MISSING = re.compile(r"No module named '?databricks(\.bundles)?'?(\s|\)|$)")


def _interpreter(ctx: Context, python: Node) -> str:
    venv = python.get("venv_path")
    if venv is None or not isinstance(venv.value, str) or not venv.value:
        return sys.executable
    base = Path(venv.value)
    base = base if base.is_absolute() else ctx.root / base
    for candidate in (base / "bin" / "python", base / "Scripts" / "python.exe"):
        if candidate.exists():
            return str(candidate)
    raise _NoVenv(str(venv.value), venv.loc)


class _NoVenv(Exception):
    def __init__(self, path: str, loc: Location) -> None:
        super().__init__(path)
        self.path, self.loc = path, loc


def _node(value: JsonValue, loc: Location) -> Node:
    if isinstance(value, dict):
        return Node({k: _node(v, loc) for k, v in value.items()}, loc)
    if isinstance(value, list):
        return Node([_node(v, loc) for v in value], loc)
    return Node(value, loc)


def _location(data: JsonObject | None, root: Path) -> Location:
    if not data or not data.get("file"):
        return GENERATED
    file = Path(str(data["file"]))
    file = file if file.is_absolute() else root / file
    return Location(str(file), int(data.get("line") or 0), int(data.get("column") or 0))


class LoadPythonResources:
    name = "load_python_resources"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        python = tree.get("python") if tree is not None else None
        if python is None or not python.is_map:
            return diags
        for phase, key in (("load_resources", "resources"), ("apply_mutators", "mutators")):
            entries = python.get(key)
            if entries is None or not entries.value:
                continue
            phase_diags = self._run(ctx, python, entries, phase)
            diags.extend(phase_diags)
            if phase_diags.has_errors():
                break
        return diags

    def _run(self, ctx: Context, python: Node, entries: Node, phase: str) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        assert tree is not None
        entries_key = "resources" if phase == "load_resources" else "mutators"
        try:
            interpreter = _interpreter(ctx, python)
        except _NoVenv as missing:
            diags.append(error(
                f"python.venv_path: no Python environment at {missing.path}", missing.loc,
                path="python.venv_path",
                detail="Create it with the project's dependencies and databricks-bundles, e.g. "
                f"`uv sync`, or `python -m venv {missing.path}` then "
                f"`{missing.path}/bin/pip install databricks-bundles`.",
            ))
            return diags
        with tempfile.TemporaryDirectory(prefix="mlops-stacks-python-") as tmp:
            paths = {name: os.path.join(tmp, f"{name}.json")
                     for name in ("input", "output", "diagnostics", "locations")}
            config = to_plain(tree) or {}
            config.setdefault("bundle", {})["target"] = ctx.target
            with open(paths["input"], "w", encoding="utf-8") as f:
                json.dump(config, f)
            try:
                proc = subprocess.run(
                    [interpreter, "-m", "databricks.bundles.build", "--phase", phase,
                     *(arg for name in ("input", "output", "diagnostics", "locations")
                       for arg in (f"--{name}", paths[name]))],
                    cwd=ctx.root, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                diags.append(error(f"python.{entries_key}: cannot run {interpreter}: {exc}",
                                   entries.loc, path=f"python.{entries_key}",
                                   detail="Check python.venv_path."))
                return diags
            if proc.returncode != 0 and _MISSING.search(proc.stderr):
                diags.append(error(
                    f"python.{entries_key} needs the databricks-bundles package", entries.loc,
                    path=f"python.{entries_key}",
                    detail=f"It is not installed for {interpreter}. Install it with:\n\n"
                    f"  {interpreter} -m pip install databricks-bundles",
                ))
                return diags
            diags.extend(self._diagnostics(paths["diagnostics"], ctx.root))
            if proc.returncode != 0 or not os.path.exists(paths["output"]):
                if not diags.has_errors():
                    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
                    diags.append(error(f"python.{entries_key} failed to load", entries.loc,
                                       path=f"python.{entries_key}", detail=tail))
                return diags
            with open(paths["output"], encoding="utf-8") as f:
                output = json.load(f)
            locations = self._locations(paths["locations"], ctx.root)
        if phase == "load_resources":
            self._merge(tree, output.get("resources") or {}, locations, entries.loc)
        else:
            self._replace(tree, output.get("resources") or {}, locations)
        return diags

    @staticmethod
    def _diagnostics(path: str, root: Path) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        if not os.path.exists(path):
            return out
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                item = json.loads(line)
                make = error if item.get("severity") == "error" else warning
                loc = _location(item.get("location"), root)
                out.append(make(str(item.get("summary", "")),
                                loc if loc is not GENERATED else None,
                                path=item.get("path"), detail=str(item.get("detail") or "")))
        return out

    @staticmethod
    def _locations(path: str, root: Path) -> dict[str, Location]:
        out: dict[str, Location] = {}
        if not os.path.exists(path):
            return out
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    item = json.loads(line)
                    out[str(item.get("path"))] = _location(item, root)
        return out

    @staticmethod
    def _replace(tree: Node, resources: JsonObject, locations: dict[str, Location]) -> None:
        """Take the mutated resources; an unchanged one keeps its node (and location)."""
        section = tree.get("resources")
        if section is None or not section.is_map:
            return
        for kind, items in resources.items():
            group = section.get(kind)
            if not isinstance(items, dict) or group is None or not group.is_map:
                continue
            for key, spec in items.items():
                old = group.get(key)
                if old is None or to_plain(old) == spec:
                    continue
                loc = locations.get(f"resources.{kind}.{key}", old.loc)
                group.value[key] = _node(spec, loc)

    @staticmethod
    def _merge(tree: Node, resources: JsonObject, locations: dict[str, Location],
               fallback: Location) -> None:
        section = tree.get("resources")
        if section is None or not section.is_map:
            section = Node({}, fallback)
            tree.value["resources"] = section
        for kind, items in resources.items():
            if not isinstance(items, dict):
                continue
            group = section.get(kind)
            if group is None or not group.is_map:
                group = Node({}, fallback)
                section.value[kind] = group
            for key, spec in items.items():
                if key in group.value:
                    continue  # defined in YAML: the package keeps those as they are
                loc = locations.get(f"resources.{kind}.{key}", fallback)
                group.value[key] = _node(spec, loc)
