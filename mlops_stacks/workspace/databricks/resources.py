"""Bundle resources on Databricks: one small class per kind, all with the same four verbs.

=========================  ===============================  ==========================
kind                       API                              ID
=========================  ===============================  ==========================
jobs                       /api/2.2/jobs/*                  job_id
experiments                /api/2.0/mlflow/experiments/*    experiment_id
registered_models (UC)     /api/2.1/unity-catalog/models    catalog.schema.name
models (workspace registry) /api/2.0/mlflow/registered-models name
model_serving_endpoints    /api/2.0/serving-endpoints       endpoint name
=========================  ===============================  ==========================

The other kinds live in ``catalog_kinds.py``, ``compute_kinds.py`` and
``object_kinds.py``; ``registry.py`` maps each kind to its class.

``permissions`` of a resource go to the permissions API (``/api/2.0/permissions``)
and ``grants`` of a Unity Catalog model to the UC permissions API; both are only
sent when they differ from what was deployed before.

Rules (see ``workspace/protocol.py``): ``create`` adopts an existing resource
with the same identity; ``update`` recreates a resource that vanished (and
warns); ``delete`` succeeds when the resource is already gone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.workspace.databricks.answers import Answer
from mlops_stacks.workspace.databricks.auth import Connection
from mlops_stacks.workspace.databricks.errors import ConflictError, NotFoundError
from mlops_stacks.workspace.databricks.listing import JobListing
from mlops_stacks.workspace.protocol import Deferred, ResourceRef

JOBS_API = "/api/2.2/jobs"

Warn = Callable[[str], None]


def _same(a: JsonValue, b: JsonValue) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def sdk_fields(cls: Any, config: JsonMapping) -> JsonObject:
    """``config`` reduced to the fields of a databricks-sdk service dataclass (``cls``)."""
    fields: JsonObject = cls.from_dict(dict(config)).as_dict()
    return fields


def update_grants(
    conn: Connection, securable: str, full_name: str, wanted: JsonValue, before: JsonValue, *,
    what: str,
) -> None:
    """Send the add/remove changes between two bundle ``grants`` lists (nothing if equal)."""

    def table(grants: JsonValue) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for g in grants or []:
            if isinstance(g, Mapping) and g.get("principal"):
                out.setdefault(str(g["principal"]), set()).update(
                    str(p) for p in g.get("privileges") or []
                )
        return out

    new, old = table(wanted), table(before)
    changes = []
    for principal in sorted(set(new) | set(old)):
        add = sorted(new.get(principal, set()) - old.get(principal, set()))
        remove = sorted(old.get(principal, set()) - new.get(principal, set()))
        if add or remove:
            change: JsonObject = {"principal": principal}
            if add:
                change["add"] = add
            if remove:
                change["remove"] = remove
            changes.append(change)
    if changes:
        conn.call(
            "PATCH", f"/api/2.1/unity-catalog/permissions/{securable}/{quote(full_name, safe='')}",
            body={"changes": changes}, what=f"update grants of {what}",
        )  # fmt: skip


def acl(permissions: JsonValue) -> list[JsonObject]:
    """Bundle ``permissions`` (``level`` + one principal) as an API access control list."""
    out = []
    for entry in permissions or []:
        if not isinstance(entry, Mapping):
            continue
        item = {
            k: entry[k]
            for k in ("user_name", "group_name", "service_principal_name")
            if entry.get(k)
        }
        item["permission_level"] = entry.get("level") or entry.get("permission_level")
        out.append(item)
    return out


class Kind:
    """Base: what each resource kind implements."""

    kind = ""
    label = "resource"
    bundle_only_fields: tuple[str, ...] = ("permissions",)
    permissions_type: str | None = None

    def __init__(self, conn: Connection, warn: Warn, context: Mapping[str, str]) -> None:
        self.conn = conn
        self.warn = warn
        self.context = context

    #: The field of the request body that names the resource.
    name_field = "name"
    #: The API answers a missing resource with 400 INVALID_PARAMETER_VALUE, not 404.
    missing_is_400 = False

    # Subclasses implement ``create``, and ``_edit`` (or their own ``update``);
    # ``delete`` and ``get`` work from ``_path`` or the request methods below.
    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        raise NotImplementedError

    def _edit(self, key: str, rid: str, body: JsonMapping) -> None:
        """Send ``body`` as the new settings of ``rid``."""
        raise NotImplementedError

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        """Edit when the body changed (else only check it exists); recreate when it is gone."""
        body = self.body(config)
        changed = previous is None or not _same(body, self.body(previous))
        if not self._send_or_check(key, rid, changed, lambda: self._edit(key, rid, body)):
            return self.recreate(key, rid, config)
        self.apply_permissions(key, rid, config, previous, created=False)
        return self.ref(key, rid, body.get(self.name_field))

    def delete(self, key: str, rid: str) -> None:
        method, path, args = self._delete_request(rid)
        try:
            self.conn.call(method, path, what=f"delete {self.label} '{key}' ({rid})", **args)
        except NotFoundError:
            pass

    def get(self, key: str, rid: str) -> JsonObject | None:
        path, query = self._get_request(rid)
        try:
            data = self.conn.call(
                "GET", path, query=query, what=f"read {self.label} '{key}' ({rid})"
            )
        except NotFoundError:
            return None
        return self._found(data)

    # How ``get`` and ``delete`` reach a resource: by default its REST path (``_path``)
    # answers GET and DELETE; kinds with RPC-style APIs override the requests.
    def _path(self, rid: str) -> str:
        raise NotImplementedError

    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        """(method, path, ``body``/``query`` arguments) of the call that deletes ``rid``."""
        return "DELETE", self._path(rid), {}

    def _get_request(self, rid: str) -> tuple[str, JsonObject | None]:
        """(path, query) of the call that reads ``rid``."""
        return self._path(rid), None

    def _found(self, data: Answer) -> JsonObject | None:
        """The resource in the answer of the read call (None when it no longer counts)."""
        return data

    # Shared helpers.
    def _post_create(
        self, key: str, name: str, path: str, body: JsonObject
    ) -> Answer | None:
        """Create the resource; None when it exists already.

        The workspace keeps these names unique, so the create is safe to repeat after a
        lost answer: a repeat of an applied create ends in 409, and the caller adopts.
        """
        try:
            return self.conn.call(
                "POST", path, body=body, what=f"create {self.label} '{key}' ({name})",
            )  # fmt: skip
        except ConflictError:
            return None

    def _send_or_check(self, key: str, rid: str, changed: bool, send: Callable[[], None]) -> bool:
        """``send`` the change when there is one, else check ``rid`` still exists.

        False when the resource is gone (the caller then recreates it).
        """
        try:
            if changed:
                send()
            elif self.get(key, rid) is None:
                return False
        except NotFoundError:
            return False
        except WorkspaceError as err:
            if self.missing_is_400 and missing_by_400(err):
                return False
            raise
        return True

    def body(self, config: JsonMapping) -> JsonObject:
        return {k: v for k, v in config.items() if k not in self.bundle_only_fields}

    def url(self, rid: str, name: str | None = None) -> str:
        return self.conn.host

    def ref(self, key: str, rid: str, name: str | None = None) -> ResourceRef:
        return ResourceRef(
            kind=self.kind, key=key, id=str(rid), name=name, url=self.url(str(rid), name)
        )

    def permissions_id(self, rid: str) -> str:
        return rid

    def apply_permissions(
        self,
        key: str,
        rid: str,
        config: JsonMapping,
        previous: JsonMapping | None,
        *,
        created: bool,
    ) -> None:
        if self.permissions_type is None:
            return
        wanted = acl(config.get("permissions"))
        before = acl((previous or {}).get("permissions"))
        if (created and not wanted) or (not created and _same(wanted, before)):
            return
        object_id = quote(self.permissions_id(rid), safe="")
        self.conn.call(
            "PUT",
            f"/api/2.0/permissions/{self.permissions_type}/{object_id}",
            body={"access_control_list": wanted},
            what=f"set permissions of {self.label} '{key}'",
        )

    def mkdirs_parent(self, path: str) -> None:
        """Create the workspace folder that will hold ``path`` (Databricks refuses otherwise)."""
        parent = path.rstrip("/").rsplit("/", 1)[0]
        if parent:
            self.conn.call(
                "POST", "/api/2.0/workspace/mkdirs", body={"path": parent},
                what=f"create folder {parent}",
            )  # fmt: skip

    def recreate(self, key: str, rid: str, config: JsonMapping) -> ResourceRef:
        self.warn(
            f"{self.label.capitalize()} '{key}' ({rid}) is recorded in the deployment state but "
            f"no longer exists on {self.conn.host}; creating it again."
        )
        return self.create(key, config)


def missing_by_400(err: WorkspaceError) -> bool:
    """APIs that answer 400 INVALID_PARAMETER_VALUE "... does not exist." (jobs, clusters)."""
    text = str(err)
    return "INVALID_PARAMETER_VALUE" in text and "does not exist" in text


class Jobs(Kind):
    """Jobs. The Jobs API answers a missing job with 400 INVALID_PARAMETER_VALUE, not 404."""

    missing_is_400 = True

    kind = "jobs"
    label = "job"
    permissions_type = "jobs"

    def delete(self, key: str, rid: str) -> None:
        try:
            super().delete(key, rid)
        except WorkspaceError as err:
            if not missing_by_400(err):
                raise
        if self.listing is not None:
            self.listing.forget(rid)

    def get(self, key: str, rid: str) -> JsonObject | None:
        try:
            return super().get(key, rid)
        except WorkspaceError as err:
            if missing_by_400(err):
                return None
            raise

    def body(self, config: JsonMapping) -> JsonObject:
        body = super().body(config)
        metadata = self.context.get("metadata_path")
        if metadata:
            body.setdefault("deployment", {"kind": "BUNDLE", "metadata_file_path": metadata})
        body.setdefault("edit_mode", "UI_LOCKED")
        return body

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/jobs/{rid}"

    #: Every job of the workspace, when the command has read them all (``listing.py``).
    listing: JobListing | None = None

    def _same_jobs(self, body: JsonMapping, *, fresh: bool = False) -> list[Answer]:
        """The jobs named like ``body`` (and deployed by the same target, when it says);
        from the command's listing of all jobs when it has one, unless ``fresh``."""
        name = body.get("name")
        if not name:
            return []
        metadata = (body.get("deployment") or {}).get("metadata_file_path")
        if not fresh and self.listing is not None and self.listing.worth_reading():
            candidates = self.listing.by_name(str(name))
        else:
            candidates = self.conn.call(
                "GET", f"{JOBS_API}/list", query={"name": name},
                what=f"look up jobs named '{name}'",
            ).objects("jobs")
        return [
            job for job in candidates
            if job.obj("settings").get("name") == name and (
                not metadata
                or job.obj("settings").obj("deployment").get("metadata_file_path") == metadata
            )
        ]  # fmt: skip

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        body = self.body(config)
        before = self._same_jobs(body)
        deployed = bool((body.get("deployment") or {}).get("metadata_file_path"))
        adoptable = deployed and len(before) == 1
        if adoptable:
            # A job this target deployed before (same name and deployment metadata).
            rid = before[0].id("job_id", integer=True)
            self._edit(key, rid, body)
        else:
            known = {job.id("job_id", integer=True) for job in before}

            def made_by_lost_request() -> Answer | None:
                """After a create whose answer was lost: the one new job of that name."""
                now = self._same_jobs(body, fresh=True)
                new = [job for job in now if job.id("job_id", integer=True) not in known]
                return new[0] if new else None

            res = self.conn.call(
                "POST", f"{JOBS_API}/create", body=body, what=f"create job '{key}'",
                idempotent=False, reconcile=made_by_lost_request,
            )  # fmt: skip
            rid = res.id("job_id", integer=True)
        self.apply_permissions(key, rid, config, None, created=not adoptable)
        return self.ref(key, rid, body.get("name"))

    def _edit(self, key: str, rid: str, body: JsonMapping) -> None:
        self.conn.call(
            "POST",
            f"{JOBS_API}/reset",
            body={"job_id": int(rid), "new_settings": body},
            what=f"update job '{key}' ({rid})",
        )


    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        return "POST", f"{JOBS_API}/delete", {"body": {"job_id": int(rid)}}

    def _get_request(self, rid: str) -> tuple[str, JsonObject | None]:
        return f"{JOBS_API}/get", {"job_id": rid}


class Experiments(Kind):
    kind = "experiments"
    label = "experiment"
    permissions_type = "experiments"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/ml/experiments/{rid}"

    def _name(self, key: str, config: JsonMapping) -> str:
        name = config.get("name")
        if not isinstance(name, str) or not name:
            raise WorkspaceError(
                f"Experiment '{key}' has no name.",
                hint=f"Set resources.experiments.{key}.name to a workspace path such as "
                "/Users/${workspace.current_user.userName}/my-experiment.",
            )
        return name

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        name = self._name(key, config)
        body = {
            k: v for k, v in self.body(config).items() if k in ("name", "artifact_location", "tags")
        }
        self.mkdirs_parent(name)
        res = self._post_create(key, name, "/api/2.0/mlflow/experiments/create", body)
        adopted = res is None
        if res is not None:
            rid = res.id("experiment_id")
        else:
            found = self.conn.call(
                "GET", "/api/2.0/mlflow/experiments/get-by-name", query={"experiment_name": name},
                what=f"look up experiment {name}",
            ).obj("experiment")  # fmt: skip
            rid = found.id("experiment_id")
            if found.text("lifecycle_stage") == "deleted":
                self.conn.call(
                    "POST", "/api/2.0/mlflow/experiments/restore", body={"experiment_id": rid},
                    what=f"restore deleted experiment {name}",
                )  # fmt: skip
        self.apply_permissions(key, rid, config, None, created=not adopted)
        return self.ref(key, rid, name)

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        name = self._name(key, config)
        current = self.get(key, rid)
        if current is None:
            return self.recreate(key, rid, config)
        if current.get("name") != name:
            self.mkdirs_parent(name)
            self.conn.call(
                "POST", "/api/2.0/mlflow/experiments/update",
                body={"experiment_id": rid, "new_name": name},
                what=f"rename experiment '{key}' to {name}",
            )  # fmt: skip
        self.apply_permissions(key, rid, config, previous, created=False)
        return self.ref(key, rid, name)

    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        return "POST", "/api/2.0/mlflow/experiments/delete", {"body": {"experiment_id": rid}}

    def _get_request(self, rid: str) -> tuple[str, JsonObject | None]:
        return "/api/2.0/mlflow/experiments/get", {"experiment_id": rid}

    def _found(self, data: Answer) -> JsonObject | None:
        exp = data.obj("experiment")
        if not exp or exp.text("lifecycle_stage") == "deleted":
            return None
        return exp


class RegisteredModels(Kind):
    """Unity Catalog registered models; ``grants`` go through the UC permissions API."""

    kind = "registered_models"
    label = "registered model"
    bundle_only_fields = ("permissions", "grants")

    def _full_name(self, key: str, config: JsonMapping) -> str:
        parts = [config.get("catalog_name"), config.get("schema_name"), config.get("name")]
        if not all(isinstance(p, str) and p for p in parts):
            raise WorkspaceError(
                f"Registered model '{key}' needs catalog_name, schema_name and name.",
                hint=f"Set them under resources.registered_models.{key} "
                "(the model's full name is catalog.schema.name).",
            )
        return ".".join(str(p) for p in parts)  # each checked a non-empty str above

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/explore/data/models/{rid.replace('.', '/')}"

    def _path(self, rid: str) -> str:
        return f"/api/2.1/unity-catalog/models/{quote(rid, safe='')}"

    def _grants(self, key: str, full_name: str, wanted: JsonValue, before: JsonValue) -> None:
        update_grants(self.conn, "function", full_name, wanted, before,
                      what=f"registered model '{key}'")  # fmt: skip

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        full = self._full_name(key, config)
        body = {
            k: v
            for k, v in self.body(config).items()
            if k in ("catalog_name", "schema_name", "name", "comment", "storage_location")
        }
        exists = self._post_create(key, full, "/api/2.1/unity-catalog/models", body) is None
        if exists and "comment" in body:
            self.conn.call(
                "PATCH", self._path(full), body={"comment": body["comment"]},
                what=f"update registered model '{key}' ({full})",
            )  # fmt: skip
        self._grants(key, full, config.get("grants"), None)
        return self.ref(key, full, full)

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        full = self._full_name(key, config)
        prev = previous or {}
        if self.get(key, rid) is None:
            return self.recreate(key, rid, config)
        patch: JsonObject = {}
        if config.get("comment") != prev.get("comment") or previous is None:
            patch["comment"] = config.get("comment") or ""
        if full != rid:
            if full.rsplit(".", 1)[0] != rid.rsplit(".", 1)[0]:
                # Moving to another catalog/schema is not a rename: replace the model.
                self.delete(key, rid)
                return self.create(key, config)
            patch["new_name"] = config["name"]
        if patch:
            self.conn.call(
                "PATCH",
                self._path(rid),
                body=patch,
                what=f"update registered model '{key}' ({rid})",
            )
        self._grants(key, full, config.get("grants"), prev.get("grants"))
        return self.ref(key, full, full)


class WorkspaceModels(Kind):
    """Models in the workspace (non-Unity-Catalog) MLflow model registry."""

    kind = "models"
    label = "model"
    permissions_type = "registered-models"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/ml/models/{quote(rid)}"

    def permissions_id(self, rid: str) -> str:
        data = self.conn.call(
            "GET", "/api/2.0/mlflow/databricks/registered-models/get", query={"name": rid},
            what=f"look up model {rid}",
        )  # fmt: skip
        return data.obj("registered_model_databricks").id("id")

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        name = str(config.get("name") or "")
        if not name:
            raise WorkspaceError(
                f"Model '{key}' has no name.", hint=f"Set resources.models.{key}.name."
            )
        body = {k: v for k, v in self.body(config).items() if k in ("name", "description", "tags")}
        path = "/api/2.0/mlflow/registered-models/create"
        created = self._post_create(key, name, path, body) is not None
        if not created:
            self._patch(key, name, config)
        self.apply_permissions(key, name, config, None, created=created)
        return self.ref(key, name, name)

    def _patch(self, key: str, name: str, config: JsonMapping) -> None:
        self.conn.call(
            "PATCH", "/api/2.0/mlflow/registered-models/update",
            body={"name": name, "description": config.get("description") or ""},
            what=f"update model '{key}' ({name})",
        )  # fmt: skip

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        name = str(config.get("name") or rid)
        if name != rid:
            raise WorkspaceError(
                f"Model '{key}' was renamed from {rid} to {name}; the workspace model registry "
                "cannot rename models.",
                hint="Keep the old name, or remove the model from the bundle, deploy, then add it "
                "back under the new name.",
            )
        prev = previous or {}
        changed = previous is None or config.get("description") != prev.get("description")
        if not self._send_or_check(key, rid, changed, lambda: self._patch(key, name, config)):
            return self.recreate(key, rid, config)
        self.apply_permissions(key, name, config, previous, created=False)
        return self.ref(key, name, name)

    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        return "DELETE", "/api/2.0/mlflow/registered-models/delete", {"query": {"name": rid}}

    def _get_request(self, rid: str) -> tuple[str, JsonObject | None]:
        return "/api/2.0/mlflow/registered-models/get", {"name": rid}

    def _found(self, data: Answer) -> JsonObject | None:
        return data.obj("registered_model") or None


class ServingEndpoints(Kind):
    kind = "model_serving_endpoints"
    label = "serving endpoint"
    permissions_type = "serving-endpoints"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/ml/endpoints/{quote(rid)}"

    def _path(self, rid: str) -> str:
        return f"/api/2.0/serving-endpoints/{quote(rid, safe='')}"

    def permissions_id(self, rid: str) -> str:
        return self.conn.call("GET", self._path(rid), what=f"look up serving endpoint {rid}").id(
            "id"
        )

    def _check_versions(self, config: JsonMapping) -> None:
        """``Deferred`` while a served model version is not registered (it may come from a
        training job of this very bundle)."""
        from mlops_stacks.workspace.local_kinds import served_versions

        for name, version in served_versions(config):
            if len(name.split(".")) == 3:
                model, ver = quote(name, safe=""), quote(version, safe="")
                path, query = f"/api/2.1/unity-catalog/models/{model}/versions/{ver}", None
            else:
                path = "/api/2.0/mlflow/model-versions/get"
                query = {"name": name, "version": version}
            try:
                self.conn.call("GET", path, query=query,
                               what=f"look up version {version} of model {name}")  # fmt: skip
            except NotFoundError:
                raise Deferred(
                    f"model {name} version {version} is not registered on {self.conn.host} "
                    "yet; run the training job, then deploy again to create the endpoint."
                ) from None

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        body = self.body(config)
        name = str(body.get("name") or "")
        self._check_versions(config)
        created = self._post_create(key, name, "/api/2.0/serving-endpoints", body) is not None
        if not created:
            self._put_config(key, name, body)
        self.apply_permissions(key, name, config, None, created=created)
        return self.ref(key, name, name)

    def _put_config(self, key: str, name: str, body: JsonMapping) -> None:
        self.conn.call(
            "PUT", f"{self._path(name)}/config", body=dict(body.get("config") or {}),
            what=f"update serving endpoint '{key}' ({name})",
        )  # fmt: skip

    def update(
        self, key: str, rid: str, config: JsonMapping, previous: JsonMapping | None
    ) -> ResourceRef:
        body = self.body(config)
        name = str(body.get("name") or rid)
        if name != rid:
            # Endpoint names are immutable: replace it.
            self.delete(key, rid)
            return self.create(key, config)
        changed = previous is None or not _same(body.get("config"), (previous or {}).get("config"))
        if changed:
            self._check_versions(config)
        if not self._send_or_check(key, rid, changed, lambda: self._put_config(key, name, body)):
            return self.recreate(key, rid, config)
        self.apply_permissions(key, name, config, previous, created=False)
        return self.ref(key, name, name)
