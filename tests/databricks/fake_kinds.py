"""The fake workspace's endpoints for pipelines, clusters, Unity Catalog schemas, volumes,
model versions and quality monitors, secret scopes and Lakeview dashboards.

A mixin of ``FakeDatabricks`` (``fake_server.py``): it adds routes and state,
and enforces the rules of the real APIs for the fields mlops-stacks sends:

- pipelines: names unique unless ``allow_duplicate_names``; a missing pipeline is 404;
  libraries name workspace objects that exist (``notebook.path`` a notebook,
  ``file.path`` a file, ``glob.include`` a file or folder; ``/**`` and wildcards
  apply below the folder before them);
- clusters: ``spark_version`` required; a missing cluster is 400 INVALID_PARAMETER_VALUE;
- schemas need an existing catalog; volumes and monitors an existing schema/table;
  a schema that holds tables, volumes or models refuses DELETE without ``force=true``
  (400 SCHEMA_NOT_EMPTY); with it, what it holds goes too;
- a monitor needs an existing ``output_schema_name`` and writes
  ``<table>_profile_metrics`` and ``<table>_drift_metrics`` there; deleting the
  monitor leaves both tables;
  UC names are three-part (``catalog.schema.name``), schemas two-part; unique names;
- a serving endpoint can only serve a registered model version;
- secret scope names are unique; ACL permissions are READ, WRITE or MANAGE;
- dashboards need ``display_name`` and an existing ``parent_path`` folder; the file
  ``<parent>/<display_name>.lvdash.json`` must not exist; deleted ones are TRASHED.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from tests.databricks import fake_server as fs

#: Catalogs a fresh fake metastore has (a real one has what the admins created).
CATALOGS = ("main", "dev", "staging", "prod", "test")

PIPELINE_FIELDS = {
    "name", "catalog", "schema", "target", "libraries", "clusters", "configuration",
    "continuous", "development", "edition", "channel", "photon", "serverless", "storage",
    "notifications", "deployment", "root_path", "environment", "tags", "trigger",
    "budget_policy_id",
    "event_log", "allow_duplicate_names", "pipeline_id", "id",
}  # fmt: skip


class FakeKinds:
    """Mixin: needs ``self.state``, ``self.next_id``, ``self.folder_exists`` and ``self.user``."""

    state: Any
    user: str

    def next_id(self) -> int:  # pragma: no cover - provided by FakeDatabricks
        raise NotImplementedError

    def folder_exists(self, path: str) -> bool:  # pragma: no cover
        raise NotImplementedError

    def init_kinds(self) -> None:
        s = self.state
        s.pipelines: dict[str, dict[str, Any]] = {}
        s.pipeline_updates: dict[str, dict[str, Any]] = {}
        s.clusters: dict[str, dict[str, Any]] = {}
        s.catalogs: set[str] = set(CATALOGS)
        s.schemas: dict[str, dict[str, Any]] = {}
        s.volumes: dict[str, dict[str, Any]] = {}
        s.tables: set[str] = set()
        s.monitors: dict[str, dict[str, Any]] = {}
        s.model_versions: set[tuple[str, str]] = set()
        s.scopes: dict[str, dict[str, str]] = {}
        s.dashboards: dict[str, dict[str, Any]] = {}
        self.pipeline_update_result = "COMPLETED"

    def kinds_empty(self) -> bool:
        s = self.state
        live_dashboards = [d for d in s.dashboards.values() if d["lifecycle_state"] == "ACTIVE"]
        return not (s.pipelines or s.clusters or s.schemas or s.volumes or s.monitors
                    or s.scopes or live_dashboards)  # fmt: skip

    def register_version(self, model: str, version: str) -> None:
        """What a training run does: register ``version`` of ``model``."""
        self.state.model_versions.add((model, str(version)))

    def extra_permission_object_exists(self, otype: str, oid: str) -> bool:
        s = self.state
        return {
            "pipelines": lambda: oid in s.pipelines,
            "clusters": lambda: oid in s.clusters and s.clusters[oid]["state"] != "DELETED",
            "dashboards": lambda: oid in s.dashboards,
        }.get(otype, lambda: False)()

    def kind_routes(self) -> list[tuple[str, str, Any]]:
        uc = r"/api/2\.1/unity-catalog"
        return [
            ("POST", r"/api/2\.0/pipelines", self._pl_create),
            ("GET", r"/api/2\.0/pipelines", self._pl_list),
            ("GET", r"/api/2\.0/pipelines/(?P<id>[^/]+)", self._pl_get),
            ("PUT", r"/api/2\.0/pipelines/(?P<id>[^/]+)", self._pl_edit),
            ("DELETE", r"/api/2\.0/pipelines/(?P<id>[^/]+)", self._pl_delete),
            ("POST", r"/api/2\.0/pipelines/(?P<id>[^/]+)/updates", self._pl_start),
            ("GET", r"/api/2\.0/pipelines/(?P<id>[^/]+)/updates/(?P<u>[^/]+)", self._pl_update),
            ("POST", r"/api/2\.[01]/clusters/create", self._cl_create),
            ("GET", r"/api/2\.[01]/clusters/list", self._cl_list),
            ("POST", r"/api/2\.[01]/clusters/edit", self._cl_edit),
            ("GET", r"/api/2\.[01]/clusters/get", self._cl_get),
            ("POST", r"/api/2\.[01]/clusters/permanent-delete", self._cl_delete),
            ("POST", uc + r"/schemas", self._sc_create),
            ("GET", uc + r"/schemas/(?P<name>[^/]+)", self._sc_get),
            ("PATCH", uc + r"/schemas/(?P<name>[^/]+)", self._sc_update),
            ("DELETE", uc + r"/schemas/(?P<name>[^/]+)", self._sc_delete),
            ("POST", uc + r"/volumes", self._vo_create),
            ("GET", uc + r"/volumes/(?P<name>[^/]+)", self._vo_get),
            ("PATCH", uc + r"/volumes/(?P<name>[^/]+)", self._vo_update),
            ("DELETE", uc + r"/volumes/(?P<name>[^/]+)", self._vo_delete),
            ("GET", uc + r"/models/(?P<name>[^/]+)/versions/(?P<v>[^/]+)", self._mv_get),
            ("GET", r"/api/2\.0/mlflow/model-versions/get", self._wmv_get),
            ("POST", uc + r"/tables/(?P<t>[^/]+)/monitor", self._mo_create),
            ("GET", uc + r"/tables/(?P<t>[^/]+)/monitor", self._mo_get),
            ("PUT", uc + r"/tables/(?P<t>[^/]+)/monitor", self._mo_update),
            ("DELETE", uc + r"/tables/(?P<t>[^/]+)/monitor", self._mo_delete),
            ("POST", r"/api/2\.0/secrets/scopes/create", self._ss_create),
            ("GET", r"/api/2\.0/secrets/scopes/list", self._ss_list),
            ("POST", r"/api/2\.0/secrets/scopes/delete", self._ss_delete),
            ("POST", r"/api/2\.0/secrets/acls/put", self._acl_put),
            ("POST", r"/api/2\.0/secrets/acls/delete", self._acl_delete),
            ("GET", r"/api/2\.0/secrets/acls/list", self._acl_list),
            ("POST", r"/api/2\.0/lakeview/dashboards", self._db_create),
            ("GET", r"/api/2\.0/lakeview/dashboards/(?P<id>[^/]+)", self._db_get),
            ("PATCH", r"/api/2\.0/lakeview/dashboards/(?P<id>[^/]+)", self._db_update),
            ("DELETE", r"/api/2\.0/lakeview/dashboards/(?P<id>[^/]+)", self._db_trash),
            ("POST", r"/api/2\.0/lakeview/dashboards/(?P<id>[^/]+)/published", self._db_publish),
        ]

    # -- pipelines --------------------------------------------------------------------
    def _pipeline(self, pid: str) -> dict[str, Any]:
        p = self.state.pipelines.get(pid)
        if p is None:
            raise fs.missing(f"The specified pipeline {pid} was not found.")
        return p

    def _pl_spec(self, b: dict[str, Any], pid: str | None) -> dict[str, Any]:
        unknown = sorted(set(b) - PIPELINE_FIELDS)
        if unknown:
            raise fs.bad(f"Unknown pipeline field(s): {', '.join(unknown)}")
        name = b.get("name")
        if not isinstance(name, str) or not name:
            raise fs.bad("Pipeline name is required")
        if not b.get("allow_duplicate_names"):
            for other_id, other in self.state.pipelines.items():
                if other["spec"]["name"] == name and other_id != pid:
                    raise fs.exists(f"Pipeline with name '{name}' already exists ({other_id}).")
        for lib in b.get("libraries") or []:
            if not isinstance(lib, dict) or not lib:
                raise fs.bad(f"Invalid pipeline library {lib!r}")
            self._pl_library_exists(lib)
        spec = {k: v for k, v in b.items() if k not in ("allow_duplicate_names", "pipeline_id")}
        return spec

    def ws_object(self, path: str) -> Any:
        """The workspace object at ``path`` (``/Workspace/X`` and ``/X`` are one), or None."""
        alias = path[len("/Workspace"):] if path.startswith("/Workspace/") else "/Workspace" + path
        objects = self.state.objects
        return objects.get(path) or objects.get(alias)

    def _pl_library_exists(self, lib: dict[str, Any]) -> None:
        for kind, field, wanted in (("notebook", "path", ("NOTEBOOK",)),
                                    ("file", "path", ("FILE",)),
                                    ("glob", "include", ("FILE", "NOTEBOOK", "DIRECTORY"))):
            spec = lib.get(kind)
            if spec is None:
                continue
            path = spec.get(field) if isinstance(spec, dict) else None
            if not isinstance(path, str) or not path.startswith("/"):
                raise fs.bad(f"Pipeline library {kind}.{field} must be an absolute workspace "
                             f"path: {path!r}")
            wildcard = re.search(r"[*?\[]", path) if kind == "glob" else None
            if wildcard:  # src/** or src/*.py: the folder before the first wildcard
                path, wanted = path[: wildcard.start()].rsplit("/", 1)[0], ("DIRECTORY",)
            obj = self.ws_object(path)
            if obj is None or obj.object_type not in wanted:
                what = {"notebook": "notebook", "file": "file"}.get(kind, "path")
                raise fs.bad(f"The {what} {path} of pipeline library {kind}.{field} "
                             "does not exist in the workspace.")

    def _pl_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        spec = self._pl_spec(b, None)
        pid = f"pl-{self.next_id()}"
        spec["id"] = pid
        self.state.pipelines[pid] = {"pipeline_id": pid, "spec": spec, "name": spec["name"],
                                     "state": "IDLE", "creator_user_name": self.user}  # fmt: skip
        return {"pipeline_id": pid}

    def _pl_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        flt = q.get("filter") or ""
        want = re.fullmatch(r"name LIKE '(.*)'", flt)
        statuses = [
            {"pipeline_id": pid, "name": p["name"], "state": p["state"]}
            for pid, p in self.state.pipelines.items()
            if not want or p["name"] == want.group(1)
        ]
        return {"statuses": statuses} if statuses else {}

    def _pl_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._pipeline(m["id"])

    def _pl_edit(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        p = self._pipeline(m["id"])
        if b.get("pipeline_id") not in (None, m["id"]):
            raise fs.bad("pipeline_id in the body does not match the path")
        spec = self._pl_spec(b, m["id"])
        spec["id"] = m["id"]
        p["spec"], p["name"] = spec, spec["name"]
        return {}

    def _pl_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._pipeline(m["id"])
        del self.state.pipelines[m["id"]]
        self.state.permissions.pop(("pipelines", m["id"]), None)
        return {}

    def _pl_start(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._pipeline(m["id"])
        if not isinstance(b.get("full_refresh", False), bool):
            raise fs.bad("full_refresh must be a boolean")
        uid = f"up-{self.next_id()}"
        self.state.pipeline_updates[uid] = {
            "pipeline_id": m["id"], "polls": 0, "full_refresh": bool(b.get("full_refresh")),
        }  # fmt: skip
        return {"update_id": uid}

    def _pl_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        up = self.state.pipeline_updates.get(m["u"])
        if up is None or up["pipeline_id"] != m["id"]:
            raise fs.missing(f"Update {m['u']} of pipeline {m['id']} not found.")
        up["polls"] += 1
        state = "RUNNING" if up["polls"] < 2 else self.pipeline_update_result
        return {"update": {"update_id": m["u"], "pipeline_id": m["id"], "state": state,
                           "full_refresh": up["full_refresh"]}}  # fmt: skip

    # -- clusters ----------------------------------------------------------------------
    def _cluster(self, cid: Any) -> dict[str, Any]:
        c = self.state.clusters.get(str(cid))
        if c is None or c["state"] == "DELETED":
            raise fs.bad(f"Cluster {cid} does not exist")
        return c

    @staticmethod
    def _cl_spec(b: dict[str, Any]) -> dict[str, Any]:
        if not b.get("spark_version"):
            raise fs.bad("Missing required field: spark_version")
        return {k: v for k, v in b.items() if k != "cluster_id"}

    def _cl_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        spec = self._cl_spec(b)
        cid = f"0101-{self.next_id()}-abc"
        self.state.clusters[cid] = {**spec, "cluster_id": cid, "state": "RUNNING"}
        return {"cluster_id": cid}

    def _cl_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        """Like the service: the clusters that are not deleted (names are not unique)."""
        return {"clusters": [c for c in self.state.clusters.values() if c["state"] != "DELETED"]}

    def _cl_edit(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        c = self._cluster(b.get("cluster_id"))
        spec = self._cl_spec(b)
        state = c["state"]
        c.clear()
        c.update({**spec, "cluster_id": b["cluster_id"], "state": state})
        return {}

    def _cl_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._cluster(q.get("cluster_id"))

    def _cl_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        c = self._cluster(b.get("cluster_id"))
        del self.state.clusters[c["cluster_id"]]
        return {}

    # -- schemas and volumes ------------------------------------------------------------
    def _schema(self, full: str) -> dict[str, Any]:
        full = unquote(full)
        parts = full.split(".")
        if len(parts) != 2 or not all(parts):
            raise fs.bad(f"Invalid schema name '{full}': expected catalog_name.schema_name")
        s = self.state.schemas.get(full)
        if s is None:
            raise fs.ApiError(404, "SCHEMA_DOES_NOT_EXIST", f"Schema '{full}' does not exist.")
        return s

    def _sc_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        catalog, name = b.get("catalog_name"), b.get("name")
        if not catalog or not name or "." in f"{catalog}{name}":
            raise fs.bad("catalog_name and name (without '.') are required")
        if catalog not in self.state.catalogs:
            raise fs.ApiError(404, "CATALOG_DOES_NOT_EXIST", f"Catalog '{catalog}' does not exist.")
        full = f"{catalog}.{name}"
        if full in self.state.schemas:
            raise fs.ApiError(409, "SCHEMA_ALREADY_EXISTS", f"Schema '{full}' already exists")
        info = {"catalog_name": catalog, "name": name, "full_name": full, "owner": self.user,
                "comment": b.get("comment", ""), "properties": b.get("properties") or {},
                "schema_id": str(self.next_id())}  # fmt: skip
        self.state.schemas[full] = info
        return info

    def _sc_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._schema(m["name"])

    def _sc_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        s = self._schema(m["name"])
        unknown = set(b) - {"comment", "properties", "new_name", "owner",
                            "enable_predictive_optimization"}  # fmt: skip
        if unknown:
            raise fs.bad(f"Cannot update field(s) {sorted(unknown)} of a schema")
        s.update({k: v for k, v in b.items() if k in ("comment", "properties", "owner")})
        if b.get("new_name"):
            del self.state.schemas[s["full_name"]]
            s["name"], s["full_name"] = b["new_name"], f"{s['catalog_name']}.{b['new_name']}"
            self.state.schemas[s["full_name"]] = s
        return s

    def _sc_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        s = self._schema(m["name"])
        prefix = s["full_name"] + "."
        held = (self.state.volumes, self.state.uc_models, self.state.tables)
        inside = [name for names in held for name in names if name.startswith(prefix)]
        if inside and q.get("force") != "true":
            raise fs.ApiError(400, "SCHEMA_NOT_EMPTY",
                              f"Cannot delete schema '{s['full_name']}': it is not empty "
                              f"({len(inside)} object(s) inside).")
        for names in held:
            for name in [n for n in names if n.startswith(prefix)]:
                if isinstance(names, set):
                    names.discard(name)
                else:
                    del names[name]
        del self.state.schemas[s["full_name"]]
        return {}

    def _volume(self, full: str) -> dict[str, Any]:
        full = unquote(full)
        fs.three_part(full, "volume")
        v = self.state.volumes.get(full)
        if v is None:
            raise fs.missing(f"Volume '{full}' does not exist.")
        return v

    def _vo_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        parts = [b.get("catalog_name"), b.get("schema_name"), b.get("name")]
        if not all(isinstance(p, str) and p and "." not in p for p in parts):
            raise fs.bad("catalog_name, schema_name and name (without '.') are required")
        if b.get("volume_type") not in ("MANAGED", "EXTERNAL"):
            raise fs.bad("volume_type must be MANAGED or EXTERNAL")
        if b["volume_type"] == "EXTERNAL" and not b.get("storage_location"):
            raise fs.bad("An EXTERNAL volume needs a storage_location")
        self._schema(f"{parts[0]}.{parts[1]}")
        full = ".".join(parts)  # type: ignore[arg-type]
        if full in self.state.volumes:
            raise fs.ApiError(409, "RESOURCE_ALREADY_EXISTS", f"Volume '{full}' already exists")
        info = {"catalog_name": parts[0], "schema_name": parts[1], "name": parts[2],
                "full_name": full, "volume_type": b["volume_type"], "owner": self.user,
                "comment": b.get("comment", ""), "volume_id": str(self.next_id())}  # fmt: skip
        self.state.volumes[full] = info
        return info

    def _vo_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._volume(m["name"])

    def _vo_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        v = self._volume(m["name"])
        unknown = set(b) - {"comment", "new_name", "owner"}
        if unknown:
            raise fs.bad(f"Cannot update field(s) {sorted(unknown)} of a volume")
        v.update({k: val for k, val in b.items() if k in ("comment", "owner")})
        if b.get("new_name"):
            del self.state.volumes[v["full_name"]]
            v["name"] = b["new_name"]
            v["full_name"] = f"{v['catalog_name']}.{v['schema_name']}.{b['new_name']}"
            self.state.volumes[v["full_name"]] = v
        return v

    def _vo_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        v = self._volume(m["name"])
        del self.state.volumes[v["full_name"]]
        self.state.grants.pop(("volume", v["full_name"]), None)
        return {}

    def securable_exists(self, stype: str, name: str) -> bool:
        return {
            "function": lambda: name in self.state.uc_models,
            "schema": lambda: name in self.state.schemas,
            "volume": lambda: name in self.state.volumes,
        }.get(stype, lambda: False)()

    # -- model versions ---------------------------------------------------------------
    def _mv_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name = unquote(m["name"])
        fs.three_part(name, "model")
        if (name, m["v"]) not in self.state.model_versions:
            raise fs.missing(f"Model version {name}/{m['v']} does not exist.")
        return {"model_name": name, "version": int(m["v"]), "status": "READY"}

    def _wmv_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name, version = q.get("name", ""), q.get("version", "")
        if (name, version) not in self.state.model_versions:
            raise fs.missing(f"Model Version (name={name}, version={version}) not found")
        return {"model_version": {"name": name, "version": version, "status": "READY"}}

    def check_served_entities(self, config: dict[str, Any]) -> None:
        """A serving endpoint can serve only a registered model version (of a Unity Catalog
        model that exists)."""
        for e in config.get("served_entities") or config.get("served_models") or []:
            name = e.get("entity_name") or e.get("model_name")
            version = e.get("entity_version") or e.get("model_version")
            if isinstance(name, str) and name.count(".") == 2 and name not in self.state.uc_models:
                raise fs.missing(f"Registered model '{name}' does not exist.")
            if version is not None and (name, str(version)) not in self.state.model_versions:
                raise fs.missing(f"Model version {version} of {name} does not exist.")

    # -- quality monitors --------------------------------------------------------------
    def _mo_table(self, t: str) -> str:
        table = unquote(t)
        fs.three_part(table, "table")
        if table not in self.state.tables:
            raise fs.ApiError(404, "TABLE_DOES_NOT_EXIST", f"Table '{table}' does not exist.")
        return table

    @staticmethod
    def _mo_check(b: dict[str, Any], *, creating: bool) -> None:
        if not b.get("output_schema_name"):
            raise fs.bad("output_schema_name is required")
        if creating and not b.get("assets_dir"):
            raise fs.bad("assets_dir is required")
        if not creating and "assets_dir" in b:
            raise fs.bad("assets_dir cannot be updated")
        kinds = [k for k in ("inference_log", "time_series", "snapshot") if k in b]
        if len(kinds) != 1:
            raise fs.bad("Exactly one of inference_log, time_series or snapshot is required")

    def _mo_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        table = self._mo_table(m["t"])
        if table in self.state.monitors:
            raise fs.ApiError(409, "RESOURCE_ALREADY_EXISTS", f"Monitor for '{table}' exists.")
        self._mo_check(b, creating=True)
        output = str(b["output_schema_name"])
        self._schema(output)
        info = {**b, "table_name": table, "status": "MONITOR_STATUS_ACTIVE",
                "monitor_version": 1}  # fmt: skip
        self.state.monitors[table] = info
        short = table.rsplit(".", 1)[-1]
        self.state.tables.update(f"{output}.{short}_{kind}_metrics"
                                 for kind in ("profile", "drift"))
        return info

    def _monitor(self, t: str) -> dict[str, Any]:
        table = self._mo_table(t)
        mon = self.state.monitors.get(table)
        if mon is None:
            raise fs.missing(f"Monitor for table '{table}' does not exist.")
        return mon

    def _mo_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._monitor(m["t"])

    def _mo_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        mon = self._monitor(m["t"])
        self._mo_check(b, creating=False)
        keep = {k: mon[k] for k in ("table_name", "assets_dir", "status")}
        mon.clear()
        mon.update({**b, **keep})
        return mon

    def _mo_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        mon = self._monitor(m["t"])
        del self.state.monitors[mon["table_name"]]
        return {}

    # -- secret scopes ------------------------------------------------------------------
    def _scope(self, name: Any) -> dict[str, str]:
        scope = self.state.scopes.get(str(name))
        if scope is None:
            raise fs.missing(f"Scope {name} does not exist!")
        return scope

    def _ss_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name = b.get("scope")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.@-]{1,128}", name):
            raise fs.bad(f"Invalid scope name {name!r}")
        if name in self.state.scopes:
            raise fs.exists(f"Scope {name} already exists!")
        backend = b.get("scope_backend_type", "DATABRICKS")
        if backend not in ("DATABRICKS", "AZURE_KEYVAULT"):
            raise fs.bad(f"Invalid scope_backend_type {backend}")
        self.state.scopes[name] = {self.user: "MANAGE"}
        return {}

    def _ss_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        scopes = [{"name": n, "backend_type": "DATABRICKS"} for n in sorted(self.state.scopes)]
        return {"scopes": scopes} if scopes else {}

    def _ss_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._scope(b.get("scope"))
        del self.state.scopes[b["scope"]]
        return {}

    def _acl_put(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        scope = self._scope(b.get("scope"))
        if not b.get("principal"):
            raise fs.bad("principal is required")
        if b.get("permission") not in ("READ", "WRITE", "MANAGE"):
            raise fs.bad(f"Invalid permission {b.get('permission')!r}: READ, WRITE or MANAGE")
        scope[b["principal"]] = b["permission"]
        return {}

    def _acl_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        scope = self._scope(b.get("scope"))
        if b.get("principal") not in scope:
            raise fs.missing(f"ACL for principal {b.get('principal')} does not exist")
        del scope[b["principal"]]
        return {}

    def _acl_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        scope = self._scope(q.get("scope"))
        return {"items": [{"principal": p, "permission": lvl} for p, lvl in sorted(scope.items())]}

    # -- dashboards ---------------------------------------------------------------------
    def _dashboard(self, did: str) -> dict[str, Any]:
        d = self.state.dashboards.get(did)
        if d is None:
            raise fs.missing(f"Unable to find dashboard [dashboardId={did}]")
        return d

    def _db_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name, parent = b.get("display_name"), b.get("parent_path")
        if not name or not parent:
            raise fs.bad("display_name and parent_path are required")
        if not self.folder_exists(parent.rstrip("/")):
            raise fs.missing(f"Path ({parent}) doesn't exist.")
        path = f"{parent.rstrip('/')}/{name}.lvdash.json"
        if path in self.state.objects:
            raise fs.exists(f"Node named '{name}.lvdash.json' already exists")
        did = f"d{self.next_id():x}"
        dash = {"dashboard_id": did, "display_name": name, "parent_path": parent, "path": path,
                "serialized_dashboard": b.get("serialized_dashboard", ""),
                "warehouse_id": b.get("warehouse_id"), "lifecycle_state": "ACTIVE",
                "etag": "1"}  # fmt: skip
        self.state.dashboards[did] = dash
        self.state.objects[path] = fs.WsObject("DASHBOARD", self.next_id(), resource_id=did)
        return dash

    def _db_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._dashboard(m["id"])

    def _db_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        d = self._dashboard(m["id"])
        if d["lifecycle_state"] == "TRASHED":
            raise fs.bad("Cannot update a trashed dashboard")
        unknown = set(b) - {"display_name", "serialized_dashboard", "warehouse_id", "etag"}
        if unknown:
            raise fs.bad(f"Cannot update field(s) {sorted(unknown)} of a dashboard")
        if "display_name" in b and b["display_name"] != d["display_name"]:
            new = f"{d['parent_path'].rstrip('/')}/{b['display_name']}.lvdash.json"
            if new in self.state.objects:
                raise fs.exists(f"Node named '{b['display_name']}.lvdash.json' already exists")
            self.state.objects[new] = self.state.objects.pop(d["path"])
            d["path"] = new
        d.update({k: v for k, v in b.items() if k != "etag"})
        d["etag"] = str(int(d["etag"]) + 1)
        return d

    def _db_trash(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        d = self._dashboard(m["id"])
        d["lifecycle_state"] = "TRASHED"
        self.state.objects.pop(d["path"], None)
        return {}

    def _db_publish(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        d = self._dashboard(m["id"])
        d["published"] = {"embed_credentials": bool(b.get("embed_credentials")),
                          "warehouse_id": b.get("warehouse_id")}  # fmt: skip
        return d["published"]
