"""Where answers come from: ``--data KEY=VALUE`` options and ``--config-file`` files.

Every answer remembers its source (``Given.source``), so an error can say
where the bad value came from (``answers.yml:3``) and how to fix it there.
``--data`` values are strings (typed later by ``rules.check_answer``); file
values keep their YAML/JSON types. Keys starting with ``_`` in a file are copier
metadata (``_src_path``, ``_commit``), so a project's ``.copier-answers.yml``
can be reused as a config file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.errors import AnswerError
from mlops_stacks.jsontypes import JsonValue

DATA = "--data"
MAX_ANSWERS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Given:
    """One answer supplied by the user, with where it came from."""

    value: JsonValue
    source: str = DATA  # "--data", "api", "prompt", or a config file path
    line: int | None = None

    @property
    def from_text(self) -> bool:
        """True when the value is raw text to be typed (``--data``)."""
        return self.source == DATA

    @property
    def where(self) -> str:
        """A ``file:line: `` prefix for messages, or ``""`` for options."""
        if self.source in (DATA, "api", "prompt"):
            return ""
        return f"{self.source}:{self.line}: " if self.line else f"{self.source}: "

    def fix(self, key: str, value: JsonValue) -> str:
        """How to pass ``value`` for ``key`` in the same place the bad one came from
        (``--data`` quoted for the shell when it needs quotes)."""
        import shlex

        if self.source == "prompt":
            return f"Try {_text(value)}."
        if self.source in (DATA, "api"):
            return f"Pass --data {shlex.quote(f'{key}={_text(value)}')}."
        return f"Set `{key}: {_text(value)}` in {self.source}."

    def ask_again(self, key: str) -> str:
        """The fix when no valid value can be suggested."""
        if self.source == "prompt":
            return "Type another value."
        if self.source in (DATA, "api"):
            return f"Pass --data {key}=VALUE with an allowed value."
        return f"Set an allowed value for `{key}` in {self.source}."


def _text(value: JsonValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_data(pairs: list[str] | None) -> dict[str, Given]:
    """Parse repeated ``--data KEY=VALUE`` options (the last one for a key wins)."""
    out: dict[str, Given] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise AnswerError(
                f"--data expects KEY=VALUE, got {pair!r}. Example: --data project_name=my_project"
            )
        out[key.strip()] = Given(value, DATA)
    return out


def _read_text(path: Path) -> str:
    where = f"--config-file: cannot read {path}"
    if not path.exists():
        raise AnswerError(f"{where}: no such file. Pass the path of a YAML or JSON answers file.")
    if path.is_dir():
        raise AnswerError(f"{where}: it is a directory. Pass a YAML or JSON answers file.")
    try:
        with path.open("rb") as handle:  # a size cap: /dev/zero or a huge file never loads
            raw = handle.read(MAX_ANSWERS_BYTES + 1)
        if len(raw) > MAX_ANSWERS_BYTES:
            raise AnswerError(
                f"{where}: it is larger than {MAX_ANSWERS_BYTES // 2**20} MiB; an answers file "
                "is a short YAML or JSON mapping. Pass the right file."
            )
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AnswerError(f"{where}: it is not UTF-8 text. Pass a YAML or JSON file.") from None
    except OSError as exc:
        raise AnswerError(
            f"{where}: {exc.strerror or exc}. Check the path and permissions."
        ) from None


def _expanded_size(node: JsonValue, seen: dict[int, int]) -> int:
    """How many values ``node`` stands for once its aliases are copied out."""
    if id(node) not in seen:
        seen[id(node)] = 1  # a node inside itself (a recursive alias) counts once
        children = node.value if isinstance(node.value, list) else []
        pairs = [n for child in children for n in (child if isinstance(child, tuple) else (child,))]
        seen[id(node)] = 1 + sum(_expanded_size(n, seen) for n in pairs)
    return seen[id(node)]


def _key_lines(text: str, path: Path) -> dict[str, int]:
    """1-based line of each top-level key; refuses a key given twice, and aliases that
    copy out to more values than a bundle may hold (a few hundred bytes can stand for
    billions)."""
    import yaml

    from mlops_stacks.bundle.yaml_loader import MAX_ALIAS_VALUES

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        size = _expanded_size(node, {}) if node is not None else 0
    except yaml.YAMLError:
        return {}
    if size > MAX_ALIAS_VALUES:
        raise AnswerError(
            f"{path}: its YAML aliases expand to more than {MAX_ALIAS_VALUES} values; "
            "an answers file is a short mapping. Write the answers out."
        )
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in lines:
                raise AnswerError(
                    f"{path}:{line}: {key} is given twice (first on line {lines[key]}). "
                    "Keep one of them."
                )
            lines[key] = line
    return lines


def _parse(text: str, path: Path) -> JsonValue:
    import yaml

    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise AnswerError(
                f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}. Fix the file's syntax."
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "syntax error"
        raise AnswerError(f"{at}: invalid YAML: {problem}. Fix the file's syntax.") from None
    except yaml.YAMLError as exc:
        raise AnswerError(f"{path}: invalid YAML: {exc}. Fix the file's syntax.") from None


def load_answers_file(path: Path) -> dict[str, Given]:
    """Read a YAML or JSON file mapping question keys to answers."""
    text = _read_text(path)
    try:
        lines = _key_lines(text, path)
        data = _parse(text, path)
    except RecursionError:
        raise AnswerError(
            f"{path}: its values are nested too deeply to read; an answers file is a short "
            "mapping. Write the answers out."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kinds: dict[type[object], str] = {list: "a list", str: "a string"}
        kind = kinds.get(type(data), type(data).__name__)
        raise AnswerError(
            f"{path}: expected a mapping of question keys to answers "
            f"(e.g. `project_name: my_project`), got {kind}."
        )
    out: dict[str, Given] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise AnswerError(
                f"{path}:{lines.get(str(key), '?')}: {key!r} is not a question key; "
                "keys are names like project_name."
            )
        if key.startswith("_"):
            continue
        out[key] = Given(value, str(path), lines.get(key))
    return out


def merge(config: dict[str, Given], data: dict[str, Given]) -> dict[str, Given]:
    """``--data`` wins over the config file."""
    return {**config, **data}
