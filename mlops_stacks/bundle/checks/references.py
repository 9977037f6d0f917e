"""References left for deploy time must name resources that exist.

After loading, ``${resources.<kind>.<key>.<field>}`` references to
deploy-time fields (``.id``) stay in the configuration. A reference to a
resource the bundle does not define would only fail at deploy time, so it
is reported now.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlops_stacks.bundle.nodes import Node, format_path, walk
from mlops_stacks.bundle.schema.suggest import closest
from mlops_stacks.diagnostics import Diagnostic, error

_RESOURCE_REF = re.compile(r"\$\{resources\.([\w-]+)\.([\w-]+)(?:\.[\w.\[\]-]*)?\}")


def _mentions_resources(node: Node) -> bool:
    """Fast scan: does any string below ``node`` contain ``${resources.``?"""
    stack = [node]
    while stack:
        value = stack.pop().value
        if isinstance(value, str):
            if "${resources." in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def check_resource_references(tree: Node) -> Iterator[Diagnostic]:
    if not _mentions_resources(tree):
        return
    resources = tree.get("resources")
    for path, node in walk(tree):
        value = node.value
        if not isinstance(value, str) or "${resources." not in value:
            continue
        if path and path[0] == "targets":
            continue
        for match in _RESOURCE_REF.finditer(value):
            kind, key = match.group(1), match.group(2)
            group = resources.get(kind) if resources is not None else None
            if group is not None and group.get(key) is not None:
                continue
            if group is None or not group.is_map:
                detail = f'The bundle defines no resources.{kind}.'
            else:
                hint = closest(key, [k for k, _ in group.items()])
                detail = (f'Did you mean "{hint}"? ' if hint else "") + (
                    f"Defined {kind}: " + ", ".join(k for k, _ in group.items()) + "."
                )
            yield error(
                f'reference "{match.group(0)}" names a resource that does not exist',
                node.loc,
                path=format_path(path),
                detail=detail,
            )
