"""Semantic checks of ML resources: model and experiment names, serving routes, monitors."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlops_stacks.bundle.checks.jobs import check_schedule
from mlops_stacks.bundle.nodes import Node, format_path
from mlops_stacks.bundle.schema.locate import key_location
from mlops_stacks.bundle.schema.suggest import closest
from mlops_stacks.bundle.schema.validator import is_reference
from mlops_stacks.diagnostics import Diagnostic, error, warning

#: Unity Catalog object names may not contain these (periods, spaces, slashes, control chars).
_UC_FORBIDDEN = re.compile(r"[.\s/\x00-\x1f\x7f]")
_ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


def _resources(tree: Node, kind: str) -> Iterator[tuple[str, Node]]:
    node = tree.at("resources", kind)
    for key, spec in (node.items() if node is not None else ()):
        if spec.is_map:
            yield key, spec


def _plain_string(node: Node | None) -> str | None:
    if node is None or not isinstance(node.value, str) or is_reference(node.value):
        return None
    return node.value


def check_ml_resources(tree: Node) -> Iterator[Diagnostic]:
    yield from _registered_models(tree)
    yield from _experiments(tree)
    yield from _serving_endpoints(tree)
    for key, monitor in _resources(tree, "quality_monitors"):
        yield from check_schedule(monitor.get("schedule"),
                                  ("resources", "quality_monitors", key, "schedule"))


def _registered_models(tree: Node) -> Iterator[Diagnostic]:
    for key, model in _resources(tree, "registered_models"):
        for field in ("name", "catalog_name", "schema_name"):
            node = model.get(field)
            value = _plain_string(node)
            if value is None:
                continue
            found = _UC_FORBIDDEN.search(value)
            if found is None:
                continue
            bad = found.group(0)
            shown = {" ": "a space", ".": "a period", "/": "a slash"}.get(
                bad, "a control character"
            )
            detail = ("Unity Catalog names cannot contain periods, spaces, slashes "
                      "or control characters.")
            if field == "name" and "." in value:
                detail += (" Give the catalog and schema separately: catalog_name, schema_name "
                           "and name (the full name is catalog.schema.name).")
            yield warning(
                f'invalid registered model {field} "{value}": it contains {shown}',
                # the value was read from this node above: it exists
                node.loc,  # type: ignore[union-attr]
                path=format_path(("resources", "registered_models", key, field)),
                detail=detail,
            )


def _experiments(tree: Node) -> Iterator[Diagnostic]:
    for key, experiment in _resources(tree, "experiments"):
        node = experiment.get("name")
        value = _plain_string(node)
        if value is None or value.startswith("/"):
            continue
        yield warning(
            f'experiment name "{value}" is not an absolute workspace path',
            # the value was read from this node above: it exists
            node.loc,  # type: ignore[union-attr]
            path=format_path(("resources", "experiments", key, "name")),
            detail="Experiments live at a workspace path; use for example "
            f'"${{workspace.root_path}}/{value}" or "/Users/<you>/{value}".',
        )


def _serving_endpoints(tree: Node) -> Iterator[Diagnostic]:
    for key, endpoint in _resources(tree, "model_serving_endpoints"):
        base = ("resources", "model_serving_endpoints", key)
        name_node = endpoint.get("name")
        name = _plain_string(name_node)
        if name is not None and not _ENDPOINT_NAME.match(name):
            yield error(
                f'invalid serving endpoint name "{name}"',
                # the value was read from this node above: it exists
                name_node.loc,  # type: ignore[union-attr]
                path=format_path(base + ("name",)),
                detail="Use 1-63 letters, digits, '-' or '_'.",
            )
        config = endpoint.get("config")
        if config is None or not config.is_map:
            continue
        served: set[str] = set()
        for field, entity, version in (("served_entities", "entity_name", "entity_version"),
                                       ("served_models", "model_name", "model_version")):
            items = config.get(field)
            for item in (items.value if items is not None and items.is_list else []):
                if not item.is_map:
                    continue
                explicit = _plain_string(item.get("name"))
                if explicit:
                    served.add(explicit)
                else:
                    ent, ver = item.get(entity), item.get(version)
                    if ent is not None and ver is not None:
                        # Databricks names an unnamed served entity <entity>-<version>.
                        served.add(f"{ent.value}-{ver.value}".split(".")[-1])
        routes = config.at("traffic_config", "routes")
        if routes is None or not routes.is_list:
            continue
        total, all_known = 0, True
        for index, route in enumerate(routes.value):
            if not route.is_map:
                continue
            pct = route.get("traffic_percentage")
            if pct is not None and isinstance(pct.value, int) and not isinstance(pct.value, bool):
                total += pct.value
            else:
                all_known = False
            for ref_field in ("served_entity_name", "served_model_name"):
                target = _plain_string(route.get(ref_field))
                if target is None or not served or target in served:
                    continue
                hint = closest(target, served)
                yield error(
                    f'traffic route names unknown served entity "{target}"',
                    route.get(ref_field).loc,
                    path=format_path(base + ("config", "traffic_config", "routes", index,
                                             ref_field)),
                    detail=(f'Did you mean "{hint}"? ' if hint else "")
                    + "Served here: " + ", ".join(sorted(served)) + ".",
                )
        if all_known and routes.value and total != 100:
            yield error(
                f"traffic percentages add up to {total}, not 100",
                # ``routes`` was read from traffic_config above: it exists
                key_location(config.get("traffic_config"), "routes"),  # type: ignore[arg-type]
                path=format_path(base + ("config", "traffic_config", "routes")),
                detail="Split the traffic so the routes' traffic_percentage values sum to 100.",
            )
