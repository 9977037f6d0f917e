"""Top-level keys that only hold YAML anchors (``common_permissions: &permissions ...``).

Projects keep reusable blocks under a top-level key of their own and merge
them in with ``<<: *name``. The Databricks CLI ignores such keys when every
value under them is anchored (a list or map of anchors counts, recursively),
and does not resolve references inside them; mlops-stacks does the same. A
key that also holds a plain value is still an unknown field.

The anchors are read back from the file's YAML events, only for files that
have unknown top-level keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import yaml


def _anchored(first: yaml.Event, events: Iterator[yaml.Event]) -> bool:
    if isinstance(first, yaml.ScalarEvent):
        return bool(first.anchor)
    if isinstance(first, yaml.AliasEvent):
        return False
    end = yaml.SequenceEndEvent if isinstance(first, yaml.SequenceStartEvent) else \
        yaml.MappingEndEvent
    is_map = isinstance(first, yaml.MappingStartEvent)
    items: list[bool] = []
    position = 0
    for event in events:
        if isinstance(event, end):
            break
        value = _anchored(event, events)
        if not is_map or position % 2 == 1:
            items.append(value)
        position += 1
    # A collection start here (scalars and aliases returned above): a NodeEvent.
    return bool(cast(yaml.NodeEvent, first).anchor) or (bool(items) and all(items))


def anchor_only_keys(path: str | Path) -> set[str]:
    """Top-level keys of the YAML file at ``path`` whose values are all anchored."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
        events = iter(yaml.parse(text, Loader=yaml.SafeLoader))
        found: set[str] = set()
        for event in events:
            if isinstance(event, yaml.MappingStartEvent):
                break
        else:
            return found
        for key in events:
            if isinstance(key, yaml.MappingEndEvent):
                break
            value = next(events)
            if _anchored(value, events) and isinstance(key, yaml.ScalarEvent):
                found.add(str(key.value))
        return found
    except (OSError, UnicodeDecodeError, yaml.YAMLError, StopIteration):
        return set()
