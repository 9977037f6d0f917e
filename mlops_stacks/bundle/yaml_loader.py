"""Read YAML files into located ``Node`` trees, reporting problems as diagnostics.

Handles what users actually get wrong: syntax errors (with the line PyYAML
points at, converted from 0-based marks to the 1-based lines users count),
tab indentation, duplicate keys, binary or non-UTF-8 files, empty files, and
nesting deep enough to exhaust the parser.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics, Location, error

try:  # the C loader is ~10x faster on large bundles
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_DEPTH = 200
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


def _loc(path: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


class _Converter:
    def __init__(self, path: str, diags: Diagnostics) -> None:
        self.path = path
        self.diags = diags
        self._constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        loc = _loc(self.path, node.start_mark)
        if depth > MAX_DEPTH:
            raise _TooDeep(loc)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Node] = {}
            self._constructor.flatten_mapping(node)
            for key_node, value_node in node.value:
                key_loc = _loc(self.path, key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.diags.append(error("mapping keys must be plain strings", key_loc))
                    continue
                key = str(key_node.value)
                if key in out:
                    first = out[key].loc
                    dup = error(
                        f'duplicate key "{key}"',
                        key_loc,
                        detail=f"The key was first defined at line {first.line}. "
                        "Remove or rename one of them.",
                    )
                    dup.locations.append(first)
                    self.diags.append(dup)
                    continue
                out[key] = self.convert(value_node, depth + 1)
            return Node(out, loc)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.convert(v, depth + 1) for v in node.value], loc)
        return Node(self._construct_scalar(node), loc)

    def _construct_scalar(self, node: yaml.ScalarNode) -> object:
        tag = node.tag
        if tag == _STR_TAG:
            return node.value
        if tag in (_BOOL_TAG, _INT_TAG, _FLOAT_TAG, _NULL_TAG):
            return self._constructor.construct_object(node, deep=True)
        # timestamps, binary and other implicit types stay as the text written
        return node.value


class _TooDeep(Exception):
    def __init__(self, loc: Location) -> None:
        self.loc = loc


def parse_yaml(text: str, path: str) -> tuple[Node | None, Diagnostics]:
    """Parse YAML ``text`` read from ``path`` into a ``Node`` tree.

    Returns ``(None, diagnostics)`` when the text cannot be parsed. An empty
    document yields ``Node(None)``.
    """
    diags = Diagnostics()
    if "\t" in text:
        for lineno, line in enumerate(text.splitlines(), start=1):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                diags.append(
                    error(
                        "tab character used for indentation",
                        Location(path, lineno, len(line) - len(stripped) + 1),
                        detail="YAML indentation must use spaces. Replace the tab with spaces.",
                    )
                )
                return None, diags
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        diags.append(
            error(
                f"invalid YAML: {problem}",
                _loc(path, mark),
                detail=(exc.context.capitalize() if exc.context and exc.problem else ""),
            )
        )
        return None, diags
    except yaml.YAMLError as exc:
        diags.append(error(f"invalid YAML: {exc}", Location(path, 1, 1)))
        return None, diags
    except RecursionError:
        diags.append(
            error(
                "YAML nesting is too deep to read",
                Location(path, 1, 1),
                detail=f"Bundle files may nest at most {MAX_DEPTH} levels.",
            )
        )
        return None, diags
    if root is None:
        return Node(None, Location(path, 1, 1)), diags
    try:
        return _Converter(path, diags).convert(root), diags
    except _TooDeep as exc:
        diags.append(
            error(
                f"YAML nesting is deeper than {MAX_DEPTH} levels",
                exc.loc,
                detail="Flatten the configuration; bundle files never need this depth.",
            )
        )
        return None, diags
    except RecursionError:
        diags.append(error("YAML nesting is too deep to read", Location(path, 1, 1)))
        return None, diags
    except yaml.YAMLError as exc:
        diags.append(error(f"invalid YAML value: {exc}", Location(path, 1, 1)))
        return None, diags


def load_yaml_file(path: str | os.PathLike[str]) -> tuple[Node | None, Diagnostics]:
    """Read and parse one YAML file. Binary and non-UTF-8 files are diagnostics."""
    p = Path(path)
    where = str(p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        return None, Diagnostics([error(f"file not found: {where}", Location(where))])
    except OSError as exc:
        return None, Diagnostics([error(f"cannot read {where}: {exc.strerror}", Location(where))])
    if b"\x00" in data:
        return None, Diagnostics(
            [error("file is binary, not YAML text", Location(where, 1, 1),
                   detail="Bundle files must be UTF-8 YAML text.")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostics(
            [error("file is not valid UTF-8 text", Location(where, line, 1),
                   detail="Save the file with UTF-8 encoding.")]
        )
    return parse_yaml(text, where)
