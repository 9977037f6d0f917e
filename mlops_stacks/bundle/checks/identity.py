"""Checks the Databricks CLI makes errors of: identities, principals, fields it owns.

- ``run_as`` (top level and per job) names exactly one of ``user_name`` and
  ``service_principal_name``;
- every permission of a secret scope, and every Unity Catalog grant, names a
  principal; every grant lists privileges;
- ``bundle.engine`` is ``terraform`` or ``direct``;
- fields the deployment owns are not written: ``deployment.deployment_id`` /
  ``version_id`` of jobs and pipelines, ``idempotency_token`` of job runs,
  ``volume_path`` of volumes, ``etag`` of dashboards and Genie spaces;
- resources with fields the service needs before anything else: a dashboard's
  ``display_name`` and ``warehouse_id``, a SQL warehouse's ``name``, an app's
  ``source_code_path`` (or ``git_source``);
- fields that exclude each other: a serving endpoint's ``served_models`` and
  ``served_entities``, a Genie space's ``file_path`` and ``serialized_space``.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostic, error

ENGINES = ("terraform", "direct")
_PRINCIPALS = ("user_name", "group_name", "service_principal_name")
_OWNED = {
    "jobs": ("deployment.deployment_id", "deployment.version_id"),
    "pipelines": ("deployment.deployment_id", "deployment.version_id"),
    "job_runs": ("idempotency_token",),
    "volumes": ("volume_path",),
    "dashboards": ("etag",),
    "genie_spaces": ("etag",),
}
_NEEDED = {
    "dashboards": ("display_name", "warehouse_id"),
    "sql_warehouses": ("name",),
}
_EXCLUSIVE = {
    "model_serving_endpoints": ("config.served_models", "config.served_entities"),
    "genie_spaces": ("file_path", "serialized_space"),
}


def _set(node: Node | None) -> bool:
    return node is not None and node.value not in (None, "", [], {})


def _run_as(node: Node, path: str) -> Iterator[Diagnostic]:
    if not node.is_map:
        return
    named = [k for k in ("user_name", "service_principal_name") if _set(node.get(k))]
    if not named:
        yield error("run_as must name a user_name or a service_principal_name", node.loc,
                    path=path, detail="Set exactly one of them.")
    elif len(named) == 2:
        yield error("run_as can name a user_name or a service_principal_name, not both",
                    node.loc, path=path, detail="Remove one of them.")


def _principal(items: Node | None, path: str, what: str, keys: tuple[str, ...]
               ) -> Iterator[Diagnostic]:
    for i, item in enumerate(items.value if items is not None and items.is_list else []):
        if item.is_map and not any(
                _set(item.get(k)) and isinstance(item.get(k).value, str) for k in keys):
            yield error(f"{what} needs a principal", item.loc, path=f"{path}[{i}]",
                        detail=f"Set one of {', '.join(keys)}.")


def _privileges(grants: Node | None, path: str) -> Iterator[Diagnostic]:
    for i, item in enumerate(grants.value if grants is not None and grants.is_list else []):
        privileges = item.get("privileges") if item.is_map else None
        if item.is_map and (privileges is None or privileges.value in (None, [])):
            yield error("a grant needs privileges", item.loc, path=f"{path}[{i}]",
                        detail="List what the principal may do, e.g. privileges: [USE_SCHEMA]; "
                        "remove the grant to give nothing.")


def check_identity(tree: Node) -> Iterator[Diagnostic]:
    run_as = tree.get("run_as")
    if run_as is not None:
        yield from _run_as(run_as, "run_as")
    engine = tree.at("bundle", "engine")
    if engine is not None and engine.value not in (None, *ENGINES):
        yield error(f'invalid value "{engine.value}" for bundle.engine', engine.loc,
                    path="bundle.engine", detail='Use "terraform" or "direct".')
    resources = tree.get("resources")
    if resources is None or not resources.is_map:
        return
    for kind, group in resources.items():
        if not group.is_map:
            continue
        for key, spec in group.items():
            if not spec.is_map:
                continue
            where = f"resources.{kind}.{key}"
            yield from _resource(kind, spec, where)


def _resource(kind: str, spec: Node, where: str) -> Iterator[Diagnostic]:
    run_as = spec.get("run_as")
    if kind == "jobs" and run_as is not None:
        yield from _run_as(run_as, f"{where}.run_as")
    if kind == "secret_scopes":
        yield from _principal(spec.get("permissions"), f"{where}.permissions",
                              "a secret scope permission", _PRINCIPALS)
    yield from _principal(spec.get("grants"), f"{where}.grants", "a grant", ("principal",))
    yield from _privileges(spec.get("grants"), f"{where}.grants")
    for dotted in _OWNED.get(kind, ()):
        node = spec.at(*dotted.split("."))
        if node is not None and _set(node):
            yield error(f"{dotted.rsplit('.', 1)[-1]} must not be set in the bundle",
                        node.loc, path=f"{where}.{dotted}",
                        detail="The deployment sets it; remove it from the configuration.")
    for name in _NEEDED.get(kind, ()):
        if not _set(spec.get(name)):
            yield error(f"{kind[:-1].replace('_', ' ')} {name} is required", spec.loc,
                        path=where, detail=f"Add `{name}: ...` to {where}.")
    if kind == "apps" and not _set(spec.get("source_code_path")) \
            and not _set(spec.get("git_source")):
        yield error("an app needs source_code_path or git_source", spec.loc, path=where,
                    detail="Point source_code_path at the app's folder in the bundle.")
    pair = _EXCLUSIVE.get(kind)
    if pair and all(_set(spec.at(*p.split("."))) for p in pair):
        second = spec.at(*pair[1].split("."))
        yield error(f"{pair[0].rsplit('.', 1)[-1]} and {pair[1].rsplit('.', 1)[-1]} exclude "
                    "each other", second.loc if second is not None else spec.loc,
                    path=f"{where}.{pair[1]}", detail="Keep only one of them.")
