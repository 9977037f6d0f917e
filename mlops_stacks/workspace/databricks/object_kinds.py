"""Workspace objects on Databricks: secret scopes and (AI/BI, Lakeview) dashboards.

==============  ===============================  ============
kind            API                              ID
==============  ===============================  ============
secret_scopes   /api/2.0/secrets/scopes/*        scope name
dashboards      /api/2.0/lakeview/dashboards     dashboard_id
==============  ===============================  ============

Secret scopes hold no values in a bundle; their ``permissions`` become secret
ACLs (``READ``, ``WRITE``, ``MANAGE`` per principal). Dashboards live at a
workspace path: their ``parent_path`` folder is created first, and they are
published after each change, as the Databricks CLI does.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.workspace.databricks.errors import ConflictError, NotFoundError
from mlops_stacks.workspace.databricks.resources import Kind, _same
from mlops_stacks.workspace.protocol import ResourceRef

SECRETS_API = "/api/2.0/secrets"
LAKEVIEW_API = "/api/2.0/lakeview/dashboards"


def _principal(entry: JsonMapping) -> str | None:
    for k in ("user_name", "group_name", "service_principal_name"):
        if entry.get(k):
            return str(entry[k])
    return None


def secret_acls(permissions: JsonValue) -> dict[str, str]:
    """Bundle ``permissions`` of a secret scope as principal -> READ/WRITE/MANAGE."""
    out: dict[str, str] = {}
    for entry in permissions or []:
        principal = _principal(entry) if isinstance(entry, Mapping) else None
        if principal:
            out[principal] = str(entry.get("level") or "").upper()
    return out


class SecretScopes(Kind):
    kind = "secret_scopes"
    label = "secret scope"

    def _name(self, key: str, config: JsonMapping) -> str:
        return str(config.get("name") or key)

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        name = self._name(key, config)
        body: JsonObject = {"scope": name}
        backend = config.get("backend_type")
        if backend:
            body["scope_backend_type"] = backend
        if config.get("keyvault_metadata"):
            body["backend_azure_keyvault"] = config["keyvault_metadata"]
        adopted = self._post_create(key, name, f"{SECRETS_API}/scopes/create", body) is None
        before = self._current_acls(key, name) if adopted else {}
        self._acls(key, name, secret_acls(config.get("permissions")), before)
        return self.ref(key, name, name)

    def _current_acls(self, key: str, name: str) -> dict[str, str]:
        data = self.conn.call("GET", f"{SECRETS_API}/acls/list", query={"scope": name},
                              what=f"read the ACLs of secret scope '{key}'")  # fmt: skip
        return {a["principal"]: a["permission"] for a in data.get("items") or []}

    def _acls(self, key: str, name: str, wanted: dict[str, str], before: dict[str, str]) -> None:
        for principal, level in sorted(wanted.items()):
            if before.get(principal) != level:
                self.conn.call(
                    "POST", f"{SECRETS_API}/acls/put",
                    body={"scope": name, "principal": principal, "permission": level},
                    what=f"grant {level} on secret scope '{key}' to {principal}",
                )  # fmt: skip
        for principal in sorted(set(before) - set(wanted)):
            try:
                self.conn.call(
                    "POST", f"{SECRETS_API}/acls/delete",
                    body={"scope": name, "principal": principal},
                    what=f"remove {principal} from secret scope '{key}'",
                )  # fmt: skip
            except NotFoundError:
                pass

    def get(self, key: str, rid: str) -> JsonObject | None:
        data = self.conn.call("GET", f"{SECRETS_API}/scopes/list",
                              what="list secret scopes")  # fmt: skip
        for scope in data.get("scopes") or []:
            if scope.get("name") == rid:
                found: JsonObject = scope
                return found
        return None

    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        return "POST", f"{SECRETS_API}/scopes/delete", {"body": {"scope": rid}}

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host} (secret scope {rid})"

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        name = self._name(key, config)
        prev = dict(previous or {})
        if name != rid or config.get("backend_type") != prev.get("backend_type"):
            # Scopes cannot be renamed or moved to another backend: replace it.
            self.delete(key, rid)
            return self.create(key, config)
        if self.get(key, rid) is None:
            return self.recreate(key, rid, config)
        wanted = secret_acls(config.get("permissions"))
        before = secret_acls(prev.get("permissions")) if previous else self._current_acls(key, rid)
        self._acls(key, rid, wanted, before)
        return self.ref(key, rid, rid)


class Dashboards(Kind):
    kind = "dashboards"
    label = "dashboard"
    permissions_type = "dashboards"
    bundle_only_fields = ("permissions", "file_path", "embed_credentials")

    def _path(self, rid: str) -> str:
        return f"{LAKEVIEW_API}/{quote(rid, safe='')}"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/dashboardsv3/{rid}/published"

    def _found(self, data: JsonObject) -> JsonObject | None:
        return None if data.get("lifecycle_state") == "TRASHED" else data

    def _body(self, key: str, config: JsonMapping) -> JsonObject:
        from databricks.sdk.service.dashboards import Dashboard

        body = {
            k: v
            for k, v in Dashboard.from_dict(self.body(config)).as_dict().items()
            if k in ("display_name", "parent_path", "serialized_dashboard", "warehouse_id")
        }
        missing = [f for f in ("display_name", "parent_path", "serialized_dashboard")
                   if not body.get(f)]  # fmt: skip
        if missing:
            raise WorkspaceError(
                f"Dashboard '{key}' has no {', '.join(missing)}.",
                hint=f"Set resources.dashboards.{key}.display_name, parent_path and file_path "
                "(a .lvdash.json file of the bundle).",
            )
        return body

    def _publish(self, key: str, rid: str, config: JsonMapping) -> None:
        body: JsonObject = {"embed_credentials": bool(config.get("embed_credentials", True))}
        if config.get("warehouse_id"):
            body["warehouse_id"] = config["warehouse_id"]
        self.conn.call("POST", f"{self._path(rid)}/published", body=body,
                       what=f"publish dashboard '{key}'")  # fmt: skip

    def _existing(self, body: JsonMapping) -> str | None:
        path = f"{body['parent_path'].rstrip('/')}/{body['display_name']}.lvdash.json"
        try:
            status = self.conn.call("GET", "/api/2.0/workspace/get-status", query={"path": path},
                                    what=f"look up dashboard {path}")  # fmt: skip
        except NotFoundError:
            return None
        return str(status.get("resource_id") or "") or None

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        body = self._body(key, config)
        self.mkdirs_parent(f"{body['parent_path'].rstrip('/')}/x")
        try:
            # Safe to repeat: a second dashboard at the same path is refused (409), adopted.
            res = self.conn.call("POST", LAKEVIEW_API, body=body,
                                 what=f"create dashboard '{key}'")  # fmt: skip
            rid, created = str(res["dashboard_id"]), True
        except ConflictError:
            existing = self._existing(body)
            if existing is None:
                raise
            rid, created = existing, False
            self._patch(key, rid, body)
        self._publish(key, rid, config)
        self.apply_permissions(key, rid, config, None, created=created)
        return self.ref(key, rid, body["display_name"])

    def _patch(self, key: str, rid: str, body: JsonMapping) -> None:
        patch = {k: v for k, v in body.items() if k != "parent_path"}
        self.conn.call("PATCH", self._path(rid), body=patch,
                       what=f"update dashboard '{key}' ({rid})")  # fmt: skip

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        body = self._body(key, config)
        prev = dict(previous or {})
        if previous and body["parent_path"] != prev.get("parent_path"):
            self.delete(key, rid)
            return self.create(key, config)
        changed = previous is None or not _same(
            {**body, "embed": config.get("embed_credentials")},
            {**self._body(key, prev), "embed": prev.get("embed_credentials")},
        )

        def send() -> None:
            self._patch(key, rid, body)
            self._publish(key, rid, config)

        if not self._send_or_check(key, rid, changed, send):
            return self.recreate(key, rid, config)
        self.apply_permissions(key, rid, config, previous, created=False)
        return self.ref(key, rid, body["display_name"])
