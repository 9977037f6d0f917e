"""Unity Catalog resources on Databricks: schemas, volumes and quality monitors.

=================  ===================================================  ===================
kind               API                                                  ID
=================  ===================================================  ===================
schemas            /api/2.1/unity-catalog/schemas                       catalog.schema
volumes            /api/2.1/unity-catalog/volumes                       catalog.schema.name
quality_monitors   /api/2.1/unity-catalog/tables/{table}/monitor        the table's full name
=================  ===================================================  ===================

Schemas are deleted with ``force=true`` (with the tables they hold, as the
Databricks CLI does). ``grants`` of schemas and volumes go to the UC permissions
API as add/remove changes, only when they differ from what was deployed.
Request bodies keep the fields of databricks-sdk's ``SchemaInfo``,
``VolumeInfo`` and ``MonitorInfo``.
"""

from __future__ import annotations

from urllib.parse import quote

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject
from mlops_stacks.workspace.databricks.resources import Kind, _same, sdk_fields, update_grants
from mlops_stacks.workspace.protocol import ResourceRef

UC = "/api/2.1/unity-catalog"


def _names(kind: str, key: str, config: JsonMapping, parts: tuple[str, ...]) -> str:
    values = [config.get(p) for p in parts]
    if not all(isinstance(v, str) and v for v in values):
        raise WorkspaceError(
            f"{kind} '{key}' needs {', '.join(parts)}.",
            hint=f"Set them under resources.{kind}.{key}.",
        )
    return ".".join(str(v) for v in values)  # each checked a non-empty str above


class _Securable(Kind):
    """A UC object with a full name, PATCH-able fields and grants."""

    bundle_only_fields = ("permissions", "grants")
    securable = ""
    collection = ""
    parts: tuple[str, ...] = ()
    create_fields: tuple[str, ...] = ()
    patch_fields: tuple[str, ...] = ()
    #: Fields whose change means a new object (delete and create).
    replace_fields: tuple[str, ...] = ()

    def _path(self, rid: str) -> str:
        return f"{UC}/{self.collection}/{quote(rid, safe='')}"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/explore/data/{rid.replace('.', '/')}"

    def _body(self, config: JsonMapping) -> JsonObject:
        raise NotImplementedError

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        full = _names(self.kind, key, config, self.parts)
        body = {k: v for k, v in self._body(config).items() if k in self.create_fields}
        if self._post_create(key, full, f"{UC}/{self.collection}", body) is None:
            patch = {k: body[k] for k in self.patch_fields if k in body}
            if patch:
                self._patch(key, full, patch)
        update_grants(self.conn, self.securable, full, config.get("grants"), None,
                      what=f"{self.label} '{key}'")  # fmt: skip
        return self.ref(key, full, full)

    def _patch(self, key: str, rid: str, patch: JsonMapping) -> None:
        self.conn.call("PATCH", self._path(rid), body=dict(patch),
                       what=f"update {self.label} '{key}' ({rid})")  # fmt: skip

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        full = _names(self.kind, key, config, self.parts)
        prev = dict(previous or {})
        if any(config.get(f) != prev.get(f) for f in self.replace_fields) and previous:
            self.delete(key, rid)
            return self.create(key, config)
        body, before = self._body(config), self._body(prev)
        patch = {k: body.get(k) for k in self.patch_fields if not _same(body.get(k), before.get(k))}
        if patch and "comment" in patch and patch["comment"] is None:
            patch["comment"] = ""
        if full != rid:
            patch["new_name"] = config["name"]
        if not self._send_or_check(key, rid, bool(patch), lambda: self._patch(key, rid, patch)):
            return self.recreate(key, rid, config)
        update_grants(self.conn, self.securable, full, config.get("grants"), prev.get("grants"),
                      what=f"{self.label} '{key}'")  # fmt: skip
        return self.ref(key, full, full)


class Schemas(_Securable):
    kind = "schemas"
    label = "schema"
    securable = "schema"
    collection = "schemas"
    parts = ("catalog_name", "name")
    create_fields = ("catalog_name", "name", "comment", "properties", "storage_root")
    patch_fields = ("comment", "properties")
    replace_fields = ("catalog_name", "storage_root")

    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        # As the Databricks CLI does: a schema holds what the bundle does not own (the
        # metric tables a quality monitor writes, tables jobs create), and destroying the
        # bundle removes the schema with them.
        return "DELETE", self._path(rid), {"query": {"force": "true"}}

    def _body(self, config: JsonMapping) -> JsonObject:
        from databricks.sdk.service.catalog import SchemaInfo

        return sdk_fields(SchemaInfo, self.body(config))


class Volumes(_Securable):
    kind = "volumes"
    label = "volume"
    securable = "volume"
    collection = "volumes"
    parts = ("catalog_name", "schema_name", "name")
    create_fields = (
        "catalog_name", "schema_name", "name", "volume_type", "comment", "storage_location",
    )  # fmt: skip
    patch_fields = ("comment",)
    replace_fields = ("catalog_name", "schema_name", "volume_type", "storage_location")

    def _body(self, config: JsonMapping) -> JsonObject:
        from databricks.sdk.service.catalog import VolumeInfo

        body = sdk_fields(VolumeInfo, self.body(config))
        body.setdefault("volume_type", "MANAGED")
        return body


class QualityMonitors(Kind):
    """Lakehouse monitoring: one monitor per table, identified by the table's full name."""

    kind = "quality_monitors"
    label = "quality monitor"
    bundle_only_fields = ("permissions", "table_name")
    #: What the monitor API cannot change in place.
    replace_fields = ("table_name", "assets_dir")

    def _path(self, rid: str) -> str:
        return f"{UC}/tables/{quote(rid, safe='')}/monitor"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/explore/data/{rid.replace('.', '/')}?o=quality"

    def _body(self, config: JsonMapping) -> JsonObject:
        from databricks.sdk.service.catalog import MonitorInfo

        return sdk_fields(MonitorInfo, self.body(config))

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        table = str(config.get("table_name") or "")
        if len(table.split(".")) != 3:
            raise WorkspaceError(
                f"Quality monitor '{key}' needs table_name as catalog.schema.table.",
                hint=f"Set resources.quality_monitors.{key}.table_name.",
            )
        body = self._body(config)
        if self._post_create(key, table, self._path(table), body) is None:
            self._put(key, table, body)
        return self.ref(key, table, table)

    def _put(self, key: str, table: str, body: JsonMapping) -> None:
        update = {k: v for k, v in body.items() if k != "assets_dir"}
        self.conn.call("PUT", self._path(table), body=update,
                       what=f"update quality monitor '{key}' ({table})")  # fmt: skip

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        prev = dict(previous or {})
        if previous and any(config.get(f) != prev.get(f) for f in self.replace_fields):
            self.delete(key, rid)
            return self.create(key, config)
        body = self._body(config)
        changed = previous is None or not _same(body, self._body(prev))
        if not self._send_or_check(key, rid, changed, lambda: self._put(key, rid, body)):
            return self.recreate(key, rid, config)
        return self.ref(key, rid, rid)
