"""Compute resources on Databricks: Lakeflow declarative pipelines and clusters.

===========  ==============================  ===========
kind         API                             ID
===========  ==============================  ===========
pipelines    /api/2.0/pipelines              pipeline_id
clusters     /api/2.1/clusters/*             cluster_id
===========  ==============================  ===========

Request bodies keep the fields of databricks-sdk's ``PipelineSpec`` and
``ClusterSpec``. A pipeline runs with ``run_pipeline`` (an update, waited for,
optionally a full refresh).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mlops_stacks.errors import RunError, WorkspaceError
from mlops_stacks.jsontypes import JsonMapping, JsonObject
from mlops_stacks.workspace.databricks.answers import Answer
from mlops_stacks.workspace.databricks.errors import ConflictError
from mlops_stacks.workspace.databricks.resources import (
    Kind,
    missing_by_400,
    sdk_fields,
)
from mlops_stacks.workspace.protocol import ResourceRef

PIPELINES_API = "/api/2.0/pipelines"
CLUSTERS_API = "/api/2.1/clusters"


class Pipelines(Kind):
    kind = "pipelines"
    label = "pipeline"
    permissions_type = "pipelines"

    def _path(self, rid: str) -> str:
        return f"{PIPELINES_API}/{rid}"

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/pipelines/{rid}"

    def body(self, config: JsonMapping) -> JsonObject:
        from databricks.sdk.service.pipelines import PipelineSpec

        body = sdk_fields(PipelineSpec, super().body(config))
        body.pop("id", None)
        metadata = self.context.get("metadata_path")
        if metadata:
            body.setdefault("deployment", {"kind": "BUNDLE", "metadata_file_path": metadata})
        return body

    def _find_by_name(self, name: str) -> str | None:
        found = self.conn.call(
            "GET", PIPELINES_API, query={"filter": f"name LIKE '{name}'"},
            what=f"look up pipelines named '{name}'",
        )  # fmt: skip
        ids = [str(p["pipeline_id"]) for p in found.get("statuses") or [] if p.get("name") == name]
        return ids[0] if len(ids) == 1 else None

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        body = self.body(config)
        name = str(body.get("name") or key)
        try:
            # Pipeline names are unique unless allow_duplicate_names: then a repeated
            # create is refused (409) and adopted below, so it is safe to retry.
            res = self.conn.call("POST", PIPELINES_API, body=body,
                                 idempotent=not body.get("allow_duplicate_names"),
                                 what=f"create pipeline '{key}' ({name})")  # fmt: skip
            rid, adopted = str(res["pipeline_id"]), False
        except ConflictError:
            existing = self._find_by_name(name)
            if existing is None:
                raise
            rid, adopted = existing, True
            self._edit(key, rid, body)
        self.apply_permissions(key, rid, config, None, created=not adopted)
        return self.ref(key, rid, name)

    def _edit(self, key: str, rid: str, body: JsonMapping) -> None:
        self.conn.call("PUT", self._path(rid), body={**body, "pipeline_id": rid},
                       what=f"update pipeline '{key}' ({rid})")  # fmt: skip

    def run(
        self,
        key: str,
        rid: str,
        *,
        full_refresh: bool = False,
        poll_interval: float = 5.0,
        on_state: Callable[[str], None] | None = None,
    ) -> JsonObject:
        """Start an update of the pipeline and wait for it; ``RunError`` when it fails."""
        started = self.conn.call(
            "POST", f"{self._path(rid)}/updates", body={"full_refresh": full_refresh},
            what=f"start an update of pipeline '{key}'", idempotent=False,
        )  # fmt: skip
        update_id = str(started["update_id"])
        last = ""
        while True:
            info = self.conn.call(
                "GET", f"{self._path(rid)}/updates/{update_id}",
                what=f"follow update {update_id} of pipeline '{key}'",
            ).get("update") or {}  # fmt: skip
            state = str(info.get("state") or "")
            if state != last and on_state is not None:
                on_state(state)
            last = state
            if state == "COMPLETED":
                return {"pipeline_id": rid, "update_id": update_id, "state": state,
                        "full_refresh": full_refresh}  # fmt: skip
            if state in ("FAILED", "CANCELED"):
                raise RunError(
                    f"Update {update_id} of pipeline '{key}' ended {state}.",
                    hint=f"See {self.url(rid)}/updates/{update_id} for the event log.",
                )
            time.sleep(poll_interval)


class Clusters(Kind):
    """All-purpose clusters. The Clusters API answers a missing cluster with a 400."""

    kind = "clusters"
    label = "cluster"
    permissions_type = "clusters"
    name_field = "cluster_name"
    missing_is_400 = True

    def url(self, rid: str, name: str | None = None) -> str:
        return f"{self.conn.host}/compute/clusters/{rid}"

    def body(self, config: JsonMapping) -> JsonObject:
        from databricks.sdk.service.compute import ClusterSpec

        return sdk_fields(ClusterSpec, super().body(config))

    def _get_request(self, rid: str) -> tuple[str, JsonObject | None]:
        return f"{CLUSTERS_API}/get", {"cluster_id": rid}

    def _delete_request(self, rid: str) -> tuple[str, str, JsonObject]:
        return "POST", f"{CLUSTERS_API}/permanent-delete", {"body": {"cluster_id": rid}}

    def _found(self, data: JsonObject) -> JsonObject | None:
        return None if data.get("state") == "DELETED" else data

    def get(self, key: str, rid: str) -> JsonObject | None:
        try:
            return super().get(key, rid)
        except WorkspaceError as err:
            if missing_by_400(err):
                return None
            raise

    def delete(self, key: str, rid: str) -> None:
        try:
            super().delete(key, rid)
        except WorkspaceError as err:
            if not missing_by_400(err):
                raise

    def _named(self, name: object) -> list[Answer]:
        """The clusters called ``name`` (cluster names are not unique)."""
        found = self.conn.call("GET", f"{CLUSTERS_API}/list",
                               what=f"look up clusters named '{name}'")  # fmt: skip
        return [c for c in found.objects("clusters") if c.get("cluster_name") == name]

    def create(self, key: str, config: JsonMapping) -> ResourceRef:
        body = self.body(config)
        name = body.get("cluster_name")
        known = {str(c["cluster_id"]) for c in self._named(name)} if name else set()

        def made_by_lost_request() -> Answer | None:
            """After a create whose answer was lost: the new cluster of that name."""
            new = [c for c in self._named(name) if str(c["cluster_id"]) not in known]
            return new[0] if new else None

        res = self.conn.call("POST", f"{CLUSTERS_API}/create", body=body, idempotent=False,
                             reconcile=made_by_lost_request if name else None,
                             what=f"create cluster '{key}'")  # fmt: skip
        rid = str(res["cluster_id"])
        self.apply_permissions(key, rid, config, None, created=True)
        return self.ref(key, rid, body.get("cluster_name"))

    def _edit(self, key: str, rid: str, body: JsonMapping) -> None:
        self.conn.call("POST", f"{CLUSTERS_API}/edit", body={**body, "cluster_id": rid},
                       what=f"update cluster '{key}' ({rid})")  # fmt: skip

