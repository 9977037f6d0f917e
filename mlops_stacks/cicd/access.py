"""What a deploying service principal may do: workspace folders and Unity Catalog grants.

Each ``ensure_*`` looks first and returns the changes needed (``[]`` when all is
in place); with ``apply`` it makes them too. So the same call is the dry run, the
run, and the proof that a second run changes nothing.

- folders: the deploy root and the experiments' folders exist, and the principal
  has ``CAN_MANAGE`` on each (``/api/2.0/permissions/directories/{id}``);
- Unity Catalog: ``USE_CATALOG`` on the catalog, ``USE_SCHEMA`` and ``CREATE_MODEL``
  on the schema (``/api/2.1/unity-catalog/permissions/{type}/{name}``, PATCH with
  ``changes``); a missing schema is created first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from mlops_stacks.errors import WorkspaceError

if TYPE_CHECKING:
    from mlops_stacks.workspace.databricks.answers import Answer
    from mlops_stacks.workspace.databricks.auth import Connection

FOLDER_LEVEL = "CAN_MANAGE"
#: Levels that let a principal read a folder.
READ_LEVELS = frozenset({"CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"})
CATALOG_PRIVILEGES = ("USE_CATALOG",)
SCHEMA_PRIVILEGES = ("USE_SCHEMA", "CREATE_MODEL")
#: The group every workspace identity belongs to.
ALL_USERS = "users"


def listed(answer: Answer, key: str) -> list[Answer]:
    """The objects of a list field the API leaves out when it is empty."""
    return answer.objects(key) if key in answer else []


def folder_id(conn: Connection, path: str) -> str | None:
    """The object ID of the folder at ``path``; None when nothing is there."""
    from mlops_stacks.workspace.databricks.errors import NotFoundError

    try:
        answer = conn.call("GET", "/api/2.0/workspace/get-status", what=f"look at {path}",
                           query={"path": path})  # fmt: skip
    except NotFoundError:
        return None
    if answer.text("object_type") != "DIRECTORY":
        raise WorkspaceError(
            f"{path} on {conn.host} is a {answer.text('object_type').lower()}, not a folder.",
            hint="Move it away, or set workspace.root_path to another folder.",
        )
    return answer.id("object_id")


def folder_levels(conn: Connection, object_id: str, path: str) -> dict[str, set[str]]:
    """Permission levels on a folder by principal (``sp:<application id>``, ``group:<name>``,
    ``user:<name>``), inherited ones included."""
    answer = conn.call("GET", f"/api/2.0/permissions/directories/{object_id}",
                       what=f"read the permissions of {path}")  # fmt: skip
    out: dict[str, set[str]] = {}
    for entry in listed(answer, "access_control_list"):
        for kind, key in (("sp", "service_principal_name"), ("group", "group_name"),
                          ("user", "user_name")):  # fmt: skip
            if entry.get(key):
                levels = out.setdefault(f"{kind}:{entry.text(key)}", set())
                for perm in listed(entry, "all_permissions"):
                    levels.add(perm.text("permission_level"))
    return out


def ensure_folder(conn: Connection, path: str, application_id: str | None, *,
                  apply: bool) -> list[str]:
    """The folder exists and the principal has ``CAN_MANAGE`` on it."""
    changes = []
    object_id = folder_id(conn, path)
    if object_id is None:
        changes.append(f"create folder {path}")
        if apply:
            conn.call("POST", "/api/2.0/workspace/mkdirs", what=f"create {path}",
                      body={"path": path})  # fmt: skip
            object_id = folder_id(conn, path)
    has = set()
    if object_id is not None and application_id:
        has = folder_levels(conn, object_id, path).get(f"sp:{application_id}", set())
    if FOLDER_LEVEL not in has:
        changes.append(f"grant {FOLDER_LEVEL} on {path}")
        if apply and object_id is not None and application_id:
            conn.call("PATCH", f"/api/2.0/permissions/directories/{object_id}",
                      what=f"grant {FOLDER_LEVEL} on {path}",
                      body={"access_control_list": [{"service_principal_name": application_id,
                                                     "permission_level": FOLDER_LEVEL}]})
    return changes


def _grants_path(securable: str, name: str) -> str:
    return f"/api/2.1/unity-catalog/permissions/{securable}/{quote(name, safe='')}"


def privileges(conn: Connection, securable: str, name: str, principal: str) -> set[str]:
    answer = conn.call("GET", _grants_path(securable, name),
                       what=f"read the grants on {securable} {name}")  # fmt: skip
    out: set[str] = set()
    for entry in listed(answer, "privilege_assignments"):
        if entry.text("principal") == principal:
            out.update(str(p) for p in entry.get("privileges") or [])
    return out


def schema_exists(conn: Connection, full_name: str) -> bool:
    from mlops_stacks.workspace.databricks.errors import NotFoundError

    try:
        conn.call("GET", f"/api/2.1/unity-catalog/schemas/{quote(full_name, safe='')}",
                  what=f"look up schema {full_name}")  # fmt: skip
    except NotFoundError:
        return False
    return True


def ensure_grants(conn: Connection, securable: str, name: str, wanted: tuple[str, ...],
                  application_id: str | None, *, apply: bool) -> list[str]:
    """``application_id`` holds ``wanted`` on the securable (a catalog or a schema)."""
    changes = []
    if securable == "schema" and not schema_exists(conn, name):
        changes.append(f"create schema {name}")
        if apply:
            catalog, schema = name.split(".", 1)
            conn.call("POST", "/api/2.1/unity-catalog/schemas", what=f"create schema {name}",
                      body={"name": schema, "catalog_name": catalog,
                            "comment": "Created by mlops-stacks cicd setup"},
                      idempotent=False)  # fmt: skip
        has: set[str] = set()
    else:
        has = privileges(conn, securable, name, application_id) if application_id else set()
    missing = [p for p in wanted if p not in has]
    if missing:
        changes.append(f"grant {', '.join(missing)} on {securable} {name}")
        if apply and application_id:
            conn.call("PATCH", _grants_path(securable, name),
                      what=f"grant {', '.join(missing)} on {securable} {name}",
                      body={"changes": [{"principal": application_id, "add": missing}]})
    return changes


def can_read(conn: Connection, path: str, application_id: str) -> tuple[bool, str]:
    """Whether the principal may read ``path`` or, when it does not exist yet, its nearest
    existing parent: ``(ok, the folder looked at)``."""
    folder = path
    while True:
        object_id = folder_id(conn, folder)
        if object_id is not None:
            break
        parent = folder.rsplit("/", 1)[0] or "/"
        if parent == folder:
            return False, folder
        folder = parent
    levels = folder_levels(conn, object_id, folder)
    held = levels.get(f"sp:{application_id}", set()) | levels.get(f"group:{ALL_USERS}", set())
    return bool(held & READ_LEVELS), folder


__all__ = [
    "CATALOG_PRIVILEGES", "FOLDER_LEVEL", "SCHEMA_PRIVILEGES", "can_read", "ensure_folder",
    "ensure_grants", "folder_id", "privileges",
]  # fmt: skip
