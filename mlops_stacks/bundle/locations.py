"""Where each value of a resolved bundle was written: ``validate -o json --include-locations``.

``locations_map(tree, root)`` gives the same shape as the Databricks CLI's
``__locations``: ``files`` (the configuration files, relative to the bundle
root, sorted) and ``locations`` (config path -> ``[[file index, line,
column]]``) for every value some file wrote; values nothing wrote (defaults,
computed values, ``--var``) have no entry.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlops_stacks.bundle.nodes import Node, format_path, walk
from mlops_stacks.jsontypes import JsonObject


def locations_map(tree: Node | None, root: Path) -> JsonObject:
    found: list[tuple[str, str, int, int]] = []
    for path, node in walk(tree) if tree is not None else ():
        loc = node.loc
        if not path or loc.line <= 0 or not os.path.isabs(loc.file):
            continue
        found.append((format_path(path), Path(os.path.relpath(loc.file, root)).as_posix(),
                      loc.line, loc.column))
    files = sorted({file for _, file, _, _ in found})
    index = {file: i for i, file in enumerate(files)}
    return {"files": files,
            "locations": {path: [[index[file], line, col]] for path, file, line, col in found}}
