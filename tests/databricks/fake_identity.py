"""The fake workspace's identity endpoints: service principals, their tokens, folder
permissions and Unity Catalog grants on catalogs and schemas.

A mixin of ``FakeDatabricks`` (``fake_server.py``); its routes come before the
generic ones. Rules of the real APIs it enforces (Databricks REST reference):

- SCIM ServicePrincipals (``/api/2.0/preview/scim/v2/ServicePrincipals``): a create
  needs the ServicePrincipal schema in ``schemas`` and a ``displayName``; the
  ``applicationId`` is made up by the workspace unless given (Azure: an Entra
  application's ID); an ``applicationId`` already in use is a 409; display names are
  NOT unique. Lists take ``filter`` (``eq``, ``co``, ``sw``, ``ne`` on one attribute),
  ``startIndex`` (from 1) and ``count`` (at most 100), and leave ``Resources`` out when
  nothing matches. Errors use the SCIM error shape (``schemas``, ``detail``, ``status``).
- On-behalf-of tokens (``/api/2.0/token-management/on-behalf-of/tokens``): AWS and GCP
  only; ``application_id`` must be a service principal of the workspace; the value is
  given once (``token_value``). The token then signs requests in as the principal.
- OAuth secrets of a principal through the workspace
  (``/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets``): the principal must
  be in the workspace; ``lifetime`` is seconds with an ``s`` (at most 730 days); the value
  is given once (lists leave it out); the client ID and secret then get an OAuth token.
- Folder permissions (``/api/2.0/permissions/directories/{id}``): levels CAN_READ,
  CAN_RUN, CAN_EDIT, CAN_MANAGE; a service principal named in an ACL must exist; GET
  lists what a folder inherits from the folders above it (``inherited: true``);
  ``/Shared`` gives the ``users`` group CAN_MANAGE, as a new workspace does.
- Grants (``/api/2.1/unity-catalog/permissions/{catalog|schema}/{name}``): the
  securable must exist; each privilege must apply to the securable's type; a principal
  that is an application ID must be a service principal of the workspace.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any
from urllib.parse import unquote

from tests.databricks import fake_server as fs

SCIM = r"/api/2\.0/preview/scim/v2/ServicePrincipals"
SECRETS = r"/api/2\.0/accounts/servicePrincipals/(?P<id>[^/]+)/credentials/secrets"
#: Longest lifetime of a service principal's OAuth secret (730 days).
MAX_SECRET_LIFETIME = 730 * 24 * 3600
SP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
DIRECTORY_LEVELS = {"CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"}
#: Privileges each securable type takes (a subset of the Unity Catalog privilege list).
PRIVILEGES = {
    "catalog": {"ALL_PRIVILEGES", "BROWSE", "CREATE_SCHEMA", "USE_CATALOG", "USE_SCHEMA",
                "CREATE_MODEL", "CREATE_TABLE", "CREATE_FUNCTION", "CREATE_VOLUME", "EXECUTE",
                "MODIFY", "SELECT", "READ_VOLUME", "WRITE_VOLUME", "APPLY_TAG", "MANAGE"},
    "schema": {"ALL_PRIVILEGES", "BROWSE", "USE_SCHEMA", "CREATE_MODEL", "CREATE_TABLE",
               "CREATE_FUNCTION", "CREATE_VOLUME", "EXECUTE", "MODIFY", "SELECT", "READ_VOLUME",
               "WRITE_VOLUME", "APPLY_TAG", "MANAGE"},
}  # fmt: skip
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FILTER = re.compile(r'^\s*(\w+)\s+(eq|co|sw|ne)\s+"((?:[^"\\]|\\.)*)"\s*$', re.I)


def _privilege(value: Any) -> str:
    """SQL spelling (``USE SCHEMA``) and API spelling (``USE_SCHEMA``) name one privilege."""
    return str(value).upper().replace(" ", "_")


def scim_error(status: int, detail: str) -> fs.ApiError:
    err = fs.ApiError(status, "", detail)
    err.body = {"schemas": [ERROR_SCHEMA], "detail": detail, "status": str(status)}  # type: ignore[attr-defined]
    return err


class FakeIdentity:
    """Mixin: needs ``state``, ``next_id``, ``token``, ``user`` of ``FakeDatabricks``."""

    state: Any
    user: str
    token: str
    cloud: str

    def next_id(self) -> int:  # pragma: no cover - provided by FakeDatabricks
        raise NotImplementedError

    def init_identity(self) -> None:
        self.cloud = "aws"
        self.service_principals: dict[str, dict[str, Any]] = {}
        self.obo_tokens: dict[str, dict[str, Any]] = {}
        """token value -> {token_id, application_id, comment}."""
        self.sp_secrets: dict[str, list[dict[str, Any]]] = {}
        """service principal id -> its OAuth secrets (``secret`` is the value)."""
        self.access_tokens: dict[str, str] = {}
        """OAuth access token -> the application ID it was issued to."""
        self.dir_acls: dict[str, list[dict[str, Any]]] = {}
        """folder object id -> explicit ACL entries."""
        self.caller: str = self.user
        shared = self.state.objects["/Shared"].object_id
        self.dir_acls[str(shared)] = [{"group_name": "users", "permission_level": "CAN_MANAGE"}]

    def identity_routes(self) -> list[tuple[str, str, Any]]:
        uc = r"/api/2\.1/unity-catalog/permissions/(?P<type>catalog|schema)/(?P<name>[^/]+)"
        perm = r"/api/2\.0/permissions/directories/(?P<id>[^/]+)"
        return [
            ("GET", SCIM, self._sp_list),
            ("POST", SCIM, self._sp_create),
            ("GET", SCIM + r"/(?P<id>[^/]+)", self._sp_get),
            ("POST", r"/api/2\.0/token-management/on-behalf-of/tokens", self._obo_create),
            ("POST", SECRETS, self._sp_secret_create),
            ("GET", SECRETS, self._sp_secret_list),
            ("GET", perm, self._dir_perm_get),
            ("PUT", perm, self._dir_perm_set),
            ("PATCH", perm, self._dir_perm_update),
            ("GET", uc, self._uc_grants_get),
            ("PATCH", uc, self._uc_grants_update),
        ]

    # -- who is calling ----------------------------------------------------------------
    def identity_for(self, bearer: str) -> str | None:
        """The user name a bearer token signs in as (None: not a token of this workspace)."""
        if bearer == self.token:
            return self.user
        token = self.obo_tokens.get(bearer)
        return token["application_id"] if token else self.access_tokens.get(bearer)

    def oauth_access_token(self, client_id: str | None, secret: str | None) -> str | None:
        """OAuth M2M: the access token for a client ID and secret (None: rejected)."""
        if (client_id, secret) == self.oauth_client:
            return self.token
        sp = self.sp_by_application_id(str(client_id))
        if sp is None or not any(s["secret"] == secret for s in self.sp_secrets.get(sp["id"], [])):
            return None
        token = "eyJ" + secrets.token_hex(16)
        self.access_tokens[token] = sp["applicationId"]
        return token

    def me_record(self) -> dict[str, Any] | None:
        sp = next((s for s in self.service_principals.values()
                   if s["applicationId"] == self.caller), None)  # fmt: skip
        if sp is None:
            return None
        return {"schemas": [SP_SCHEMA], "id": sp["id"], "userName": sp["applicationId"],
                "displayName": sp["displayName"], "active": True}  # fmt: skip

    # -- service principals --------------------------------------------------------------
    def _sp_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        try:
            start = int(q.get("startIndex", "1"))
            count = int(q.get("count", "100"))
        except ValueError:
            raise scim_error(400, "startIndex and count must be integers") from None
        if count > 100:
            raise scim_error(400, f"count must be at most 100, got {count}")
        found = list(self.service_principals.values())
        if q.get("filter"):
            match = _FILTER.match(q["filter"])
            if not match:
                raise scim_error(400, f"Invalid filter '{q['filter']}'")
            attr, op, value = match.group(1), match.group(2).lower(), match.group(3)
            value = value.replace('\\"', '"').replace("\\\\", "\\")
            test = {"eq": lambda v: v == value, "ne": lambda v: v != value,
                    "co": lambda v: value in v, "sw": lambda v: v.startswith(value)}[op]
            found = [s for s in found if test(str(s.get(attr, "")))]
        page = found[max(0, start - 1):max(0, start - 1) + count]
        out: dict[str, Any] = {"schemas": [LIST_SCHEMA], "totalResults": len(found),
                               "startIndex": start, "itemsPerPage": len(page)}
        if page:
            out["Resources"] = page
        return out

    def _sp_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        if SP_SCHEMA not in (b.get("schemas") or []):
            raise scim_error(400, f"schemas must contain {SP_SCHEMA}")
        name = b.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise scim_error(400, "displayName is required")
        app_id = b.get("applicationId") or str(uuid.uuid4())
        if not _UUID.match(str(app_id)):
            raise scim_error(400, f"applicationId '{app_id}' is not a UUID")
        if any(s["applicationId"] == app_id for s in self.service_principals.values()):
            raise scim_error(409, f"Service principal with application ID {app_id} already exists")
        sp_id = str(self.next_id())
        sp = {"schemas": [SP_SCHEMA], "id": sp_id, "displayName": name, "applicationId": app_id,
              "active": bool(b.get("active", True)),
              "entitlements": [e for e in b.get("entitlements") or [] if isinstance(e, dict)]}
        self.service_principals[sp_id] = sp
        return sp

    def _sp_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        sp = self.service_principals.get(m["id"])
        if sp is None:
            raise scim_error(404, f"Service principal {m['id']} not found")
        return sp

    def sp_by_application_id(self, app_id: str) -> dict[str, Any] | None:
        return next((s for s in self.service_principals.values()
                     if s["applicationId"] == app_id), None)  # fmt: skip

    # -- tokens on behalf of a principal ---------------------------------------------------
    def _obo_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        if self.cloud == "azure":
            raise fs.ApiError(404, "ENDPOINT_NOT_FOUND",
                              "On-behalf-of tokens are not available on Azure Databricks")
        app_id = b.get("application_id")
        if not app_id or self.sp_by_application_id(str(app_id)) is None:
            raise fs.bad(f"Service principal with application ID {app_id!r} does not exist")
        lifetime = b.get("lifetime_seconds")
        if lifetime is not None and (not isinstance(lifetime, int) or lifetime <= 0):
            raise fs.bad("lifetime_seconds must be a positive integer")
        value = "dapi" + secrets.token_hex(16)
        info = {"token_id": secrets.token_hex(8), "comment": b.get("comment", ""),
                "application_id": app_id, "created_by_username": self.caller}
        self.obo_tokens[value] = info
        return {"token_value": value, "token_info": info}

    # -- OAuth secrets of a principal, through the workspace ---------------------------------
    def _sp_secret_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        if m["id"] not in self.service_principals:
            raise fs.missing(f"Service principal {m['id']} is not in this workspace")
        lifetime = b.get("lifetime", f"{MAX_SECRET_LIFETIME}s")
        match = re.fullmatch(r"(\d+)s", str(lifetime))
        if not match or not 0 < int(match.group(1)) <= MAX_SECRET_LIFETIME:
            raise fs.bad(f"lifetime must be a number of seconds ending in 's', at most "
                         f"{MAX_SECRET_LIFETIME}s; got {lifetime!r}")
        record = {"id": secrets.token_hex(6), "secret": "dose" + secrets.token_hex(16),
                  "status": "ACTIVE", "create_time": "2026-12-06T10:00:00Z"}
        self.sp_secrets.setdefault(m["id"], []).append(record)
        return record

    def _sp_secret_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        if m["id"] not in self.service_principals:
            raise fs.missing(f"Service principal {m['id']} is not in this workspace")
        return {"secrets": [{k: v for k, v in s.items() if k != "secret"}
                            for s in self.sp_secrets.get(m["id"], [])]}  # never the value

    # -- folder permissions -----------------------------------------------------------------
    def _dir(self, object_id: str) -> str:
        path = next((p for p, o in self.state.objects.items()
                     if str(o.object_id) == object_id and o.object_type == "DIRECTORY"), None)
        if path is None:
            raise fs.missing(f"Directory {object_id} does not exist.")
        return path

    def _dir_acl(self, acl: Any) -> list[dict[str, Any]]:
        if not isinstance(acl, list):
            raise fs.bad("access_control_list must be an array")
        for entry in acl:
            keys = [k for k in ("user_name", "group_name", "service_principal_name")
                    if isinstance(entry, dict) and k in entry]  # fmt: skip
            if len(keys) != 1:
                raise fs.bad(f"Each access control entry needs exactly one principal: {entry!r}")
            if entry.get("permission_level") not in DIRECTORY_LEVELS:
                raise fs.bad(f"Permission level {entry.get('permission_level')!r} is not valid "
                             f"for directories; valid: {', '.join(sorted(DIRECTORY_LEVELS))}")
            sp = entry.get("service_principal_name")
            if sp is not None and self.sp_by_application_id(str(sp)) is None:
                raise fs.bad(f"Principal: ServicePrincipalName({sp}) does not exist")
        return acl

    def _dir_perm_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path = self._dir(m["id"])
        out = []
        folder = path
        while True:
            obj = self.state.objects.get(folder)
            for entry in self.dir_acls.get(str(obj.object_id), []) if obj else []:
                principal = {k: v for k, v in entry.items() if k != "permission_level"}
                perm = {"permission_level": entry["permission_level"],
                        "inherited": folder != path}
                if folder != path:
                    perm["inherited_from_object"] = [f"/directories/{obj.object_id}"]
                out.append({**principal, "all_permissions": [perm]})
            if folder in ("/", ""):
                break
            folder = folder.rsplit("/", 1)[0] or "/"
        return {"object_id": f"/directories/{m['id']}", "object_type": "directory",
                "access_control_list": out}

    def _dir_perm_set(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._dir(m["id"])
        self.dir_acls[m["id"]] = list(self._dir_acl(b.get("access_control_list")))
        return self._dir_perm_get(m, q, b)

    def _dir_perm_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._dir(m["id"])
        acl = self.dir_acls.setdefault(m["id"], [])
        for entry in self._dir_acl(b.get("access_control_list")):
            key = {k: v for k, v in entry.items() if k != "permission_level"}
            acl[:] = [e for e in acl if {k: v for k, v in e.items() if k != "permission_level"}
                      != key]  # fmt: skip
            acl.append(entry)
        return self._dir_perm_get(m, q, b)

    # -- Unity Catalog grants on catalogs and schemas ----------------------------------------
    def _uc_securable(self, m: Any) -> tuple[str, str]:
        stype, name = m["type"], unquote(m["name"])
        exists = (name in self.state.catalogs if stype == "catalog"
                  else name in self.state.schemas)  # fmt: skip
        if not exists:
            code = "CATALOG_DOES_NOT_EXIST" if stype == "catalog" else "SCHEMA_DOES_NOT_EXIST"
            raise fs.ApiError(404, code, f"{stype.capitalize()} '{name}' does not exist.")
        return stype, name

    def _uc_grants_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        key = self._uc_securable(m)
        table = self.state.grants.get(key, {})
        return {"privilege_assignments": [{"principal": p, "privileges": sorted(privs)}
                                          for p, privs in sorted(table.items()) if privs]}

    def _uc_grants_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        key = self._uc_securable(m)
        changes = b.get("changes")
        if not isinstance(changes, list):
            raise fs.bad("changes must be an array")
        for change in changes:
            principal = change.get("principal") if isinstance(change, dict) else None
            if not principal:
                raise fs.bad("Every change needs a principal")
            if _UUID.match(str(principal)) and self.sp_by_application_id(principal) is None:
                raise fs.ApiError(404, "PRINCIPAL_DOES_NOT_EXIST",
                                  f"Could not find principal with name {principal}")
            for priv in [*(change.get("add") or []), *(change.get("remove") or [])]:
                if _privilege(priv) not in PRIVILEGES[key[0]]:
                    raise fs.bad(f"Privilege {priv} is not applicable to this entity "
                                 f"[{key[0].upper()}:{key[1]}]")
        table = self.state.grants.setdefault(key, {})
        for change in changes:
            privs = table.setdefault(change["principal"], set())
            privs.update(_privilege(p) for p in change.get("add") or [])
            privs.difference_update(_privilege(p) for p in change.get("remove") or [])
        return self._uc_grants_get(m, q, b)


__all__ = ["FakeIdentity", "scim_error"]
