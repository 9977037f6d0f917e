"""Read YAML files into located ``Node`` trees, reporting problems as diagnostics.

Handles what users actually get wrong: syntax errors (with the line PyYAML
points at, converted from 0-based marks to the 1-based lines users count),
tab indentation, duplicate keys, binary or non-UTF-8 files, empty files, and
nesting deep enough to exhaust the parser.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from mlops_stacks.bundle.nodes import Node, walk
from mlops_stacks.diagnostics import Diagnostic, Diagnostics, Location, error

try:  # the C loader is ~10x faster on large bundles
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_DEPTH = 200
#: Most values that alias uses (``*name``) may copy into one file, all uses together.
#: Nine levels of nine aliases would otherwise grow a 600-byte file past gigabytes.
MAX_ALIAS_VALUES = 100_000
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


def _loc(path: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


#: Event classes, compared by identity in the hot loop.
_SCALAR = yaml.ScalarEvent
_MAPPING_START = yaml.MappingStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_SEQUENCE_END = yaml.SequenceEndEvent
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
#: First characters of plain scalars that may be something other than a string
#: (a number, boolean, null, timestamp, ...); any other plain scalar is text.
_MAYBE_TYPED = frozenset(k for k in _IMPLICIT if k) if None not in _IMPLICIT else None


class _NamedText(io.StringIO):
    """YAML text whose ``name`` the parser puts in every mark (so marks name the file)."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


class _Builder:
    """Builds ``Node`` trees straight from the C parser's events.

    Skipping PyYAML's intermediate node graph makes large bundles load about
    twice as fast, and keeping the parser's marks as node locations (turned
    into ``Location`` only when read) about twice again. Handles anchors and
    aliases, ``<<`` merge keys, duplicate and non-string keys, and a depth
    limit. Scalars in mappings and sequences are built inline: they are most
    of the values.
    """

    def __init__(self, path: str, diags: Diagnostics) -> None:
        self.path = path
        self.diags = diags
        self._constructor = yaml.SafeLoader("")
        self._resolver = yaml.resolver.Resolver()
        self._anchors: dict[str, Node] = {}
        self._sizes: dict[str, int] = {}  # anchor -> values in its tree
        self._copied = 0  # values copied by alias uses so far

    def build(self, parser: Any) -> Node | None:
        """Consume one document's events from ``parser`` (up to its DocumentEnd)."""
        get = parser.get_event
        get()  # StreamStart
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        root = self._value(get, get(), 0)  # event was DocumentStart
        get()  # DocumentEnd
        return root

    def _loc(self, event: yaml.Event) -> Location:
        mark = event.start_mark
        assert mark is not None  # the parser marks every event
        return Location(self.path, mark.line + 1, mark.column + 1)

    def _value(self, get: Callable[[], Any], event: Any, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _TooDeep(self._loc(event))
        kind = type(event)
        if kind is _SCALAR:
            node = Node(self._scalar(event), event.start_mark)
        elif kind is _MAPPING_START:
            node = self._mapping(get, event, depth)
        elif kind is _SEQUENCE_START:
            node = self._sequence(get, event, depth)
        elif kind is yaml.AliasEvent:
            target = self._anchors.get(event.anchor)
            if target is None:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            size = self._sizes.get(event.anchor)
            if size is None:
                size = self._sizes[event.anchor] = sum(1 for _ in walk(target))
            self._copied += size
            if self._copied > MAX_ALIAS_VALUES:
                raise _TooManyAliasValues(self._loc(event))
            return target.copy()  # each use is its own value (steps edit nodes in place)
        else:  # pragma: no cover - the parser guarantees one of the above
            raise yaml.YAMLError(f"unexpected event {event}")
        if event.anchor:  # registered once complete: an alias cannot point into itself
            self._anchors[event.anchor] = node
            self._sizes.pop(event.anchor, None)  # an anchor name may be reused
        return node

    def _sequence(self, get: Callable[[], Any], event: Any, depth: int) -> Node:
        items: list[Node] = []
        node = Node(items, event.start_mark)
        inline = depth < MAX_DEPTH  # children at depth + 1 are within the limit
        scalar = self._scalar
        while True:
            item = get()
            kind = type(item)
            if kind is _SEQUENCE_END:
                return node
            if kind is _SCALAR and inline and not item.anchor:
                items.append(Node(scalar(item), item.start_mark))
            else:
                items.append(self._value(get, item, depth + 1))

    def _mapping(self, get: Callable[[], Any], event: Any, depth: int) -> Node:
        out: dict[str, Node] = {}
        node = Node(out, event.start_mark)
        merges: list[Node] | None = None
        inline = depth < MAX_DEPTH
        scalar = self._scalar
        while True:
            key_event = get()
            kind = type(key_event)
            if kind is _MAPPING_END:
                break
            if kind is not _SCALAR:
                self._value(get, key_event, depth + 1)  # consume the complex key
                self._value(get, get(), depth + 1)
                self.diags.append(error("mapping keys must be plain strings",
                                        self._loc(key_event)))
                continue
            value_event = get()
            if type(value_event) is _SCALAR and inline and not value_event.anchor:
                value = Node(scalar(value_event), value_event.start_mark)
            else:
                value = self._value(get, value_event, depth + 1)
            key = key_event.value
            if key in out:
                self._duplicate(key, key_event, out[key])
            elif key == "<<" and key_event.implicit[0] and key_event.tag is None:
                if merges is not None:
                    self.diags.append(error(
                        "duplicate merge key <<", self._loc(key_event),
                        detail="A mapping takes one << key; to merge several mappings, give "
                        "them as a list: <<: [*first, *second]."))
                merges = merges or []
                merges.extend(value.value if isinstance(value.value, list) else [value])
            else:
                out[key] = value
        if merges:
            for merged in merges:
                if isinstance(merged.value, dict):
                    for k, v in merged.value.items():
                        out.setdefault(k, v)
                else:
                    self.diags.append(error("<< merge value must be a mapping", merged.loc))
        return node

    def _duplicate(self, key: str, key_event: Any, first: Node) -> None:
        dup = error(
            f'duplicate key "{key}"',
            self._loc(key_event),
            detail=f"The key was first defined at line {first.loc.line}. "
            "Remove or rename one of them.",
        )
        dup.locations.append(first.loc)
        self.diags.append(dup)

    def _scalar(self, event: Any) -> object:
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value  # quoted: always a string
            if value and _MAYBE_TYPED is not None and value[0] not in _MAYBE_TYPED:
                return value  # plain text no implicit type starts with
            # types-PyYAML leaves Resolver.resolve unannotated.
            tag = self._resolver.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, value, (True, False))
        if tag == _STR_TAG:
            return value
        if tag in (_BOOL_TAG, _INT_TAG, _FLOAT_TAG, _NULL_TAG):
            scalar = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark)
            try:
                return self._constructor.construct_object(scalar, deep=True)
            except Exception:  # PyYAML's constructors fail in many ways ("!!int ")
                if event.tag is not None and event.tag != "!":
                    self._bad_tag(event)
                return value  # a plain scalar that only looks typed ("0x_") stays text
        # timestamps, binary and other implicit types stay as the text written
        return value


    def _bad_tag(self, event: Any) -> None:
        kind = event.tag.rsplit(":", 1)[-1]
        wanted = {"int": "an integer", "float": "a number", "bool": "true or false",
                  "null": "null"}.get(kind, kind)
        shown = event.value if len(event.value) <= 40 else event.value[:37] + "..."
        self.diags.append(error(
            f'value "{shown}" tagged !!{kind} is not {wanted}',
            self._loc(event),
            detail=f"Fix the value, or remove the !!{kind} tag to keep it as text.",
        ))


class _TooDeep(Exception):
    def __init__(self, loc: Location) -> None:
        self.loc = loc


class _TooManyAliasValues(Exception):
    def __init__(self, loc: Location) -> None:
        self.loc = loc


def _syntax_error(exc: yaml.MarkedYAMLError, path: str) -> Diagnostic:
    """A parser error as a diagnostic at the point the parser gave up.

    That point can be a line after the mistake: an unclosed ``{`` is only
    noticed at the next key. When the construct being read (the error's
    context) started on another line, its start is named in the detail and
    added as a second location, so the line to fix is shown too. (The first
    location stays where the parser stopped.)
    """
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    detail = exc.context.capitalize() if exc.context and exc.problem else ""
    diag = error(f"invalid YAML: {problem}", _loc(path, mark), detail=detail)
    start = exc.context_mark
    if exc.problem and start is not None and mark is not None and start.line != mark.line:
        diag.detail = (f"{detail} that starts at line {start.line + 1}, column "
                       f"{start.column + 1}.").strip()
        diag.locations.append(_loc(path, start))
    if exc.problem and any(p in exc.problem for p in _INDENTATION_PROBLEMS):
        diag.detail = (diag.detail + "\n\n" if diag.detail else "") + (
            "This is usually indentation: keys of one mapping must start in the same "
            "column, and a nested value must be indented further than its key (spaces, "
            "not tabs).")
    return diag


#: Parser problems that an indentation mistake causes.
_INDENTATION_PROBLEMS = ("did not find expected key", "mapping values are not allowed here",
                         "did not find expected '-' indicator",
                         "expected <block end>, but found")


#: The first line of a conflict block that git and ``mlops-stacks update`` write inline.
_CONFLICT = re.compile(r"^<{7}(?: |$)", re.M)


def parse_yaml(text: str, path: str) -> tuple[Node | None, Diagnostics]:
    """Parse YAML ``text`` read from ``path`` into a ``Node`` tree.

    Returns ``(None, diagnostics)`` when the text cannot be parsed. An empty
    document yields ``Node(None)``.
    """
    diags = Diagnostics()
    conflict = _CONFLICT.search(text)
    if conflict:
        conflict_line = text.count("\n", 0, conflict.start()) + 1
        diags.append(error(
            "unresolved merge conflict", Location(path, conflict_line, 1),
            detail="The lines between <<<<<<<, ======= and >>>>>>> hold both versions of a "
            "change (left by `mlops-stacks update` or git). Keep the lines you want, delete "
            "the three marker lines, then commit the file."))
        return None, diags
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
    parser = _Loader(_NamedText(text, path))
    try:
        root = _Builder(path, diags).build(parser)
        if root is not None and parser.check_event(yaml.DocumentStartEvent):
            mark = parser.peek_event().start_mark
            diags.append(error("a bundle file holds one YAML document; found another",
                               _loc(path, mark), detail="Remove the extra `---` section."))
            return None, diags
    except _TooDeep as exc:
        diags.append(
            error(
                f"YAML nesting is deeper than {MAX_DEPTH} levels",
                exc.loc,
                detail="Flatten the configuration; bundle files never need this depth.",
            )
        )
        return None, diags
    except _TooManyAliasValues as exc:
        diags.append(
            error(
                f"YAML aliases expand to more than {MAX_ALIAS_VALUES} values",
                exc.loc,
                detail="Each use of an alias (*name) copies the anchored value, and aliases "
                "of aliases multiply. Use fewer nested aliases; bundle variables or "
                "target overrides share settings without copies.",
            )
        )
        return None, diags
    except yaml.MarkedYAMLError as exc:
        diags.append(_syntax_error(exc, path))
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
    finally:
        parser.dispose()
    if root is None:
        return Node(None, Location(path, 1, 1)), diags
    return root, diags


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
