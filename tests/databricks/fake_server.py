"""A local HTTP server that speaks the slice of the Databricks REST API mlops-stacks uses.

Started by the test suite (``FakeDatabricks().start()``), it keeps server-side
state, validates requests the way the real service does for the fields we
send (malformed requests get a 400 with a Databricks-style error body),
records every request, and injects faults on demand::

    server.fail("POST", "/api/2.2/jobs/create", status=429, times=1)   # then success
    server.fail(None, "/api/2.2/jobs/", status=500)                    # forever
    server.fail(None, "", status=401)                                  # everything

Endpoints: SCIM Me; SCIM service principals, their tokens, folder permissions and catalog/schema
grants (``fake_identity.py``); workspace import/export/mkdirs/get-status/list/delete;
jobs create/reset/get/list/delete/run-now/runs get (2.1 and 2.2); MLflow
experiments create/get/get-by-name/update/delete/restore; workspace model
registry create/get/update/delete; Unity Catalog registered models and grants;
permissions; serving endpoints.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.databricks.fake_identity import FakeIdentity
from tests.databricks.fake_kinds import FakeKinds
from tests.databricks.fake_throttle import Storm

NOTEBOOK_HEADER = b"# Databricks notebook source"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

JOB_SETTINGS_FIELDS = {
    "name", "description", "tasks", "job_clusters", "email_notifications",
    "webhook_notifications", "notification_settings", "timeout_seconds", "health", "schedule",
    "trigger", "continuous", "max_concurrent_runs", "git_source", "tags", "format", "queue",
    "parameters", "run_as", "edit_mode", "deployment", "environments", "budget_policy_id",
    "performance_target", "usage_policy_id",
}  # fmt: skip
TASK_TYPES = (
    "notebook_task", "spark_python_task", "python_wheel_task", "run_job_task",
    "condition_task", "sql_task", "spark_jar_task", "pipeline_task", "dbt_task",
    "for_each_task", "spark_submit_task",
)  # fmt: skip
#: Object types of the permissions API and the levels each accepts.
PERMISSION_LEVELS = {
    "jobs": {"CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"},
    "experiments": {"CAN_READ", "CAN_EDIT", "CAN_MANAGE"},
    "serving-endpoints": {"CAN_QUERY", "CAN_VIEW", "CAN_MANAGE"},
    "registered-models": {
        "CAN_READ", "CAN_EDIT", "CAN_MANAGE_STAGING_VERSIONS", "CAN_MANAGE_PRODUCTION_VERSIONS",
        "CAN_MANAGE",
    },
    "pipelines": {"CAN_VIEW", "CAN_RUN", "CAN_MANAGE", "IS_OWNER"},
    "clusters": {"CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"},
    "dashboards": {"CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"},
}  # fmt: skip
PERMISSION_OBJECT_TYPES = set(PERMISSION_LEVELS)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad(message: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


def missing(message: str) -> ApiError:
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", message)


def exists(message: str) -> ApiError:
    return ApiError(400, "RESOURCE_ALREADY_EXISTS", message)


def three_part(full_name: str, what: str) -> list[str]:
    """Unity Catalog names: ``catalog.schema.name``, each part non-empty."""
    parts = full_name.split(".")
    if len(parts) != 3 or not all(parts):
        raise bad(f"Invalid {what} name '{full_name}': expected catalog_name.schema_name.name")
    return parts


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0
    received: float = 0.0
    """``time.monotonic()`` when the request arrived (before the added ``latency``)."""
    answered: float = 0.0
    """``time.monotonic()`` when its answer was ready."""

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS


@dataclass
class Fault:
    method: str | None
    prefix: str
    status: int
    times: int | None  # None: forever
    retry_after: int | None = 0
    code: str | None = None
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        if path.startswith("/.well-known/"):
            return False
        return path.startswith(self.prefix)


@dataclass
class WsObject:
    object_type: str  # DIRECTORY | NOTEBOOK | FILE | DASHBOARD
    object_id: int
    content: bytes = b""
    language: str | None = None
    resource_id: str | None = None


@dataclass
class State:
    """Everything the fake workspace holds."""

    objects: dict[str, WsObject] = field(default_factory=dict)
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    run_tokens: dict[str, int] = field(default_factory=dict)
    experiments: dict[str, dict[str, Any]] = field(default_factory=dict)
    ws_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    uc_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    permissions: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    grants: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)


class FakeDatabricks(FakeIdentity, FakeKinds):
    """The server. ``url`` once started; ``token`` is the only accepted bearer token."""

    def __init__(
        self, token: str = "dapi-fake-secret-token-0123456789", user: str = "jane.doe@example.com"
    ) -> None:
        self.token = token
        self.user = user
        self.state = State()
        self._ids = itertools.count(1000)
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.failing_tasks: set[str] = set()
        self.oauth_client = ("sp-client-id", "sp-client-secret-value")
        self.run_polls_to_finish = 2
        self.latency = 0.0
        """Seconds added to every request (a real workspace answers in 50-300 ms)."""
        self.storm: Storm | None = None
        """A 429 storm (``fake_throttle.Storm``) in progress, if any."""
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # A fresh workspace has the root, /Shared and the user's home folder (also under the
        # /Workspace prefix, which names the same tree).
        for folder in ("", "/Users", f"/Users/{user}", "/Shared"):
            for prefix in ("", "/Workspace"):
                self.state.objects[prefix + folder or "/"] = WsObject("DIRECTORY", self.next_id())
        self.init_kinds()
        self.init_identity()
        self._routes = self._build_routes()

    # -- lifecycle --------------------------------------------------------------
    def start(self) -> FakeDatabricks:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test helpers -----------------------------------------------------------
    def fail(
        self,
        method: str | None,
        prefix: str,
        *,
        status: int,
        times: int | None = None,
        retry_after: int | None = 0,
        code: str | None = None,
        message: str | None = None,
    ) -> Fault:
        fault = Fault(method, prefix, status, times, retry_after, code, message)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def writes(self, since: int = 0) -> list[Request]:
        return [r for r in self.requests[since:] if r.is_write]

    def mark(self) -> int:
        """An index into ``requests``: pass it to ``writes(since=...)``."""
        return len(self.requests)

    def paths_under(self, root: str) -> list[str]:
        root = root.rstrip("/")
        return sorted(p for p in self.state.objects if p == root or p.startswith(root + "/"))

    def is_empty(self, root: str | None = None) -> bool:
        """No jobs, active experiments, models, endpoints (and nothing under ``root``)."""
        s = self.state
        active_experiments = [e for e in s.experiments.values() if e["lifecycle_stage"] == "active"]
        return (
            not s.jobs
            and not active_experiments
            and not s.ws_models
            and not s.uc_models
            and not s.endpoints
            and self.kinds_empty()
            and (root is None or not self.paths_under(root))
        )

    def next_id(self) -> int:
        return next(self._ids)

    def add_notebook(self, path: str, language: str = "PYTHON") -> None:
        """A notebook someone put in the workspace by hand (e.g. a pipeline's library)."""
        self.state.objects[path] = WsObject("NOTEBOOK", self.next_id(), b"", language)

    # -- dispatch ---------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        received = time.monotonic()
        if self.latency:
            time.sleep(self.latency)  # outside the lock: requests overlap, as on a workspace
        req = Request(method, "", {}, None, received=received)
        try:
            return self._handle(method, raw_path, headers, raw_body, req)
        finally:
            req.answered = time.monotonic()

    def _handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes,
        req: Request,
    ) -> tuple[int, dict[str, str], Any]:
        parsed = urlparse(raw_path)
        path = parsed.path
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        body: Any = None
        with self._lock:
            req.path, req.query = path, query
            self.requests.append(req)
            if path.startswith("/oidc/"):
                status, payload = self._oauth(method, path, headers, raw_body)
                req.status = status
                return status, {}, payload
            try:
                if raw_body:
                    try:
                        body = json.loads(raw_body)
                    except ValueError:
                        raise ApiError(
                            400, "MALFORMED_REQUEST", "Request body is not valid JSON"
                        ) from None
                req.body = body
                if self.storm is not None and self.storm.throttles(
                        path, req.received, time.monotonic()):
                    err = ApiError(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Slow down.")
                    err.retry_after = self.storm.retry_after  # type: ignore[attr-defined]
                    raise err
                self._check_faults(method, path)
                if not path.startswith("/.well-known/"):
                    self._check_auth(headers)
                status, payload = self._route(method, path, query, body)
                req.status = status
                return status, {}, payload
            except ApiError as err:
                req.status = err.status
                extra = {}
                if err.status in (429, 503):
                    fault_retry = getattr(err, "retry_after", 0)
                    extra["Retry-After"] = str(fault_retry or 0)
                body = getattr(err, "body", None) or {"error_code": err.code,
                                                      "message": err.message}
                return err.status, extra, body

    def _oauth(
        self, method: str, path: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, Any]:
        """OAuth M2M: discovery document and a client-credentials token endpoint."""
        if method == "GET" and path == "/oidc/.well-known/oauth-authorization-server":
            return 200, {
                "authorization_endpoint": f"{self.url}/oidc/v1/authorize",
                "token_endpoint": f"{self.url}/oidc/v1/token",
            }
        if method == "POST" and path == "/oidc/v1/token":
            form = {k: v[-1] for k, v in parse_qs(raw_body.decode()).items()}
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = headers.get("authorization", "")
            if auth.startswith("Basic "):
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            access = self.oauth_access_token(client_id, secret)
            if access is None or form.get("grant_type") != "client_credentials":
                return 401, {"error": "invalid_client", "error_description": "Client auth failed"}
            return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": path}

    def _check_faults(self, method: str, path: str) -> None:
        for fault in self.faults:
            if not fault.matches(method, path):
                continue
            if fault.times is not None:
                if fault.times <= 0:
                    continue
                fault.times -= 1
            codes = {
                401: "UNAUTHENTICATED",
                403: "PERMISSION_DENIED",
                429: "REQUEST_LIMIT_EXCEEDED",
                500: "INTERNAL_ERROR",
                503: "TEMPORARILY_UNAVAILABLE",
            }
            messages = {
                401: "Invalid access token.",
                403: "User does not have permission.",
                429: "Too many requests. Slow down.",
                500: "Internal server error.",
                503: "Service temporarily unavailable.",
            }
            err = ApiError(
                fault.status, fault.code or codes.get(fault.status, "ERROR"),
                fault.message or messages.get(fault.status, "error"),
            )
            err.retry_after = fault.retry_after  # type: ignore[attr-defined]
            raise err

    def _check_auth(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        caller = self.identity_for(auth[7:]) if auth.startswith("Bearer ") else None
        if caller is None:
            raise ApiError(401, "UNAUTHENTICATED", "Invalid access token.")
        self.caller = caller

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        for route_method, pattern, fn in self._routes:
            if route_method != method:
                continue
            m = pattern.fullmatch(path)
            if m:
                if (
                    method in ("POST", "PUT", "PATCH")
                    and body is not None
                    and not isinstance(body, dict)
                ):
                    raise ApiError(400, "MALFORMED_REQUEST", "Request body must be a JSON object")
                return 200, fn(m, query, body if isinstance(body, dict) else {})
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any]]]:
        r: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/\.well-known/databricks-config", self._well_known),
            ("GET", r"/api/2\.0/preview/scim/v2/Me", self._me),
            ("POST", r"/api/2\.0/workspace/import", self._ws_import),
            ("GET", r"/api/2\.0/workspace/export", self._ws_export),
            ("POST", r"/api/2\.0/workspace/mkdirs", self._ws_mkdirs),
            ("GET", r"/api/2\.0/workspace/get-status", self._ws_get_status),
            ("GET", r"/api/2\.0/workspace/list", self._ws_list),
            ("POST", r"/api/2\.0/workspace/delete", self._ws_delete),
            ("POST", r"/api/2\.[12]/jobs/create", self._jobs_create),
            ("POST", r"/api/2\.[12]/jobs/reset", self._jobs_reset),
            ("GET", r"/api/2\.[12]/jobs/get", self._jobs_get),
            ("GET", r"/api/2\.[12]/jobs/list", self._jobs_list),
            ("POST", r"/api/2\.[12]/jobs/delete", self._jobs_delete),
            ("POST", r"/api/2\.[12]/jobs/run-now", self._jobs_run_now),
            ("GET", r"/api/2\.[12]/jobs/runs/get", self._runs_get),
            ("POST", r"/api/2\.[12]/jobs/runs/cancel", self._runs_cancel),
            ("GET", r"/api/2\.[12]/jobs/runs/list", self._runs_list),
            ("POST", r"/api/2\.0/mlflow/experiments/create", self._exp_create),
            ("GET", r"/api/2\.0/mlflow/experiments/get", self._exp_get),
            ("GET", r"/api/2\.0/mlflow/experiments/get-by-name", self._exp_get_by_name),
            ("POST", r"/api/2\.0/mlflow/experiments/update", self._exp_update),
            ("POST", r"/api/2\.0/mlflow/experiments/delete", self._exp_delete),
            ("POST", r"/api/2\.0/mlflow/experiments/restore", self._exp_restore),
            ("POST", r"/api/2\.0/mlflow/registered-models/create", self._wsm_create),
            ("GET", r"/api/2\.0/mlflow/registered-models/get", self._wsm_get),
            ("GET", r"/api/2\.0/mlflow/databricks/registered-models/get", self._wsm_get_db),
            ("PATCH", r"/api/2\.0/mlflow/registered-models/update", self._wsm_update),
            ("DELETE", r"/api/2\.0/mlflow/registered-models/delete", self._wsm_delete),
            ("POST", r"/api/2\.1/unity-catalog/models", self._uc_create),
            ("GET", r"/api/2\.1/unity-catalog/models/(?P<name>[^/]+)", self._uc_get),
            ("PATCH", r"/api/2\.1/unity-catalog/models/(?P<name>[^/]+)", self._uc_update),
            ("DELETE", r"/api/2\.1/unity-catalog/models/(?P<name>[^/]+)", self._uc_delete),
            (
                "GET",
                r"/api/2\.1/unity-catalog/permissions/(?P<type>[a-z_]+)/(?P<name>[^/]+)",
                self._grants_get,
            ),
            (
                "PATCH",
                r"/api/2\.1/unity-catalog/permissions/(?P<type>[a-z_]+)/(?P<name>[^/]+)",
                self._grants_update,
            ),
            ("GET", r"/api/2\.0/permissions/(?P<type>[a-z-]+)/(?P<id>[^/]+)", self._perm_get),
            ("PUT", r"/api/2\.0/permissions/(?P<type>[a-z-]+)/(?P<id>[^/]+)", self._perm_set),
            ("PATCH", r"/api/2\.0/permissions/(?P<type>[a-z-]+)/(?P<id>[^/]+)", self._perm_update),
            ("POST", r"/api/2\.0/serving-endpoints", self._ep_create),
            ("GET", r"/api/2\.0/serving-endpoints/(?P<name>[^/]+)", self._ep_get),
            ("PUT", r"/api/2\.0/serving-endpoints/(?P<name>[^/]+)/config", self._ep_update),
            ("DELETE", r"/api/2\.0/serving-endpoints/(?P<name>[^/]+)", self._ep_delete),
        ]
        r = self.identity_routes() + r + self.kind_routes()
        return [(m, re.compile(p), fn) for m, p, fn in r]

    # -- identity ---------------------------------------------------------------
    def _well_known(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return {"oidc_endpoint": f"{self.url}/oidc", "workspace_id": "1234567890"}

    def _me(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        principal = self.me_record()  # signed in with a token of a service principal
        if principal is not None:
            return principal
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "4242",
            "userName": self.user,
            "displayName": "Jane Doe",
            "active": True,
        }

    # -- workspace files ----------------------------------------------------------
    @staticmethod
    def _abs_path(value: Any, name: str = "path") -> str:
        if not isinstance(value, str) or not value.startswith("/"):
            raise bad(
                f"Path ({value!r}) must be absolute: set '{name}' to a path starting with '/'"
            )
        if "//" in value or value.endswith("/") and value != "/":
            raise bad(f"Path ({value}) is not a valid workspace path")
        return value

    def _parent_dir_ok(self, path: str) -> None:
        parent = path.rsplit("/", 1)[0] or "/"
        obj = self.state.objects.get(parent)
        if obj is None:
            raise missing(f"The parent folder ({parent}) does not exist.")
        if obj.object_type != "DIRECTORY":
            raise bad(f"The parent ({parent}) is not a directory.")

    def _ws_import(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path = self._abs_path(b.get("path"))
        fmt = b.get("format", "SOURCE")
        if fmt not in ("AUTO", "SOURCE", "RAW", "HTML", "JUPYTER", "DBC", "R_MARKDOWN"):
            raise bad(f"Invalid format: {fmt}")
        if fmt not in ("AUTO", "SOURCE", "RAW"):
            raise bad(f"Format {fmt} is not supported by this server")
        try:
            content = base64.b64decode(b.get("content", ""), validate=True)
        except (ValueError, TypeError):
            raise ApiError(400, "MALFORMED_REQUEST", "content must be base64-encoded") from None
        language = b.get("language")
        if fmt == "SOURCE":
            if language not in ("PYTHON", "SQL", "SCALA", "R"):
                raise bad("language (PYTHON, SQL, SCALA or R) is required for a SOURCE notebook")
            kind = "NOTEBOOK"
        elif fmt == "AUTO" and path.endswith(".py") and content.startswith(NOTEBOOK_HEADER):
            kind, language, path = "NOTEBOOK", "PYTHON", path[: -len(".py")]
        else:
            if language is not None:
                raise bad("language can only be set for notebooks")
            kind = "FILE"
        self._parent_dir_ok(path)
        existing = self.state.objects.get(path)
        if existing is not None:
            if existing.object_type == "DIRECTORY":
                raise exists(f"{path} already exists and is a directory")
            if not b.get("overwrite"):
                raise exists(f"{path} already exists.")
            if existing.object_type != kind:
                raise bad(
                    f"Cannot overwrite {existing.object_type.lower()} {path} with a {kind.lower()}"
                )
        self.state.objects[path] = WsObject(kind, self.next_id(), content, language)
        return {}

    def _get_obj(self, q: dict[str, str]) -> tuple[str, WsObject]:
        path = self._abs_path(q.get("path"))
        obj = self.state.objects.get(path)
        if obj is None:
            raise missing(f"Path ({path}) doesn't exist.")
        return path, obj

    def _ws_export(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path, obj = self._get_obj(q)
        if obj.object_type == "DIRECTORY":
            raise bad("Exporting directories is not supported by this server")
        return {
            "content": base64.b64encode(obj.content).decode(),
            "file_type": "py" if obj.object_type == "NOTEBOOK" else "",
        }

    def _status(self, path: str, obj: WsObject) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": path,
            "object_type": obj.object_type,
            "object_id": obj.object_id,
        }
        if obj.language:
            out["language"] = obj.language
        if obj.resource_id:
            out["resource_id"] = obj.resource_id
        if obj.object_type != "DIRECTORY":
            out["size"] = len(obj.content)
        return out

    def _ws_get_status(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path, obj = self._get_obj(q)
        return self._status(path, obj)

    def _ws_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path, obj = self._get_obj(q)
        if obj.object_type != "DIRECTORY":
            return {"objects": [self._status(path, obj)]}
        prefix = path.rstrip("/") + "/"
        children = [
            self._status(p, o)
            for p, o in sorted(self.state.objects.items())
            if p.startswith(prefix) and "/" not in p[len(prefix) :] and p != path
        ]
        return {"objects": children} if children else {}

    def _ws_mkdirs(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path = self._abs_path(b.get("path"))
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            sub = "/" + "/".join(parts[:i])
            obj = self.state.objects.get(sub)
            if obj is None:
                self.state.objects[sub] = WsObject("DIRECTORY", self.next_id())
            elif obj.object_type != "DIRECTORY":
                raise exists(f"{sub} exists and is not a directory")
        return {}

    def _ws_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        path = self._abs_path(b.get("path"))
        obj = self.state.objects.get(path)
        if obj is None:
            raise missing(f"Path ({path}) doesn't exist.")
        if path == "/":
            raise bad("Cannot delete the root folder")
        children = [p for p in self.state.objects if p.startswith(path + "/")]
        if children and not b.get("recursive"):
            raise ApiError(400, "DIRECTORY_NOT_EMPTY", f"Folder ({path}) is not empty")
        for p in children + [path]:
            del self.state.objects[p]
        return {}

    # -- jobs -------------------------------------------------------------------
    def _validate_job(self, settings: Any) -> dict[str, Any]:
        if not isinstance(settings, dict):
            raise bad("Job settings must be an object")
        unknown = sorted(set(settings) - JOB_SETTINGS_FIELDS)
        if unknown:
            raise bad(f"Unknown job settings field(s): {', '.join(unknown)}")
        tasks = settings.get("tasks") or []
        if not isinstance(tasks, list):
            raise bad("tasks must be an array")
        keys: set[str] = set()
        for task in tasks:
            key = task.get("task_key") if isinstance(task, dict) else None
            if not key or not isinstance(key, str):
                raise bad("Every task needs a task_key")
            if key in keys:
                raise bad(f"Task key {key} is used more than once")
            keys.add(key)
            kinds = [t for t in TASK_TYPES if t in task]
            if len(kinds) != 1:
                raise bad(f"Task {key} must have exactly one task type, found {kinds or 'none'}")
            pl = task.get("pipeline_task")
            if pl is not None and str(pl.get("pipeline_id")) not in self.state.pipelines:
                raise bad(f"Task {key}: pipeline {pl.get('pipeline_id')!r} does not exist.")
            nb = task.get("notebook_task")
            if nb is not None:
                path = nb.get("notebook_path")
                source = nb.get("source", "WORKSPACE")
                if not isinstance(path, str) or (
                    source == "WORKSPACE" and not path.startswith("/")
                ):
                    raise bad(
                        f"Task {key}: notebook_path must be an absolute workspace path: {path!r}"
                    )
                params = nb.get("base_parameters", {})
                if not isinstance(params, dict) or not all(
                    isinstance(v, str) for v in params.values()
                ):
                    raise bad(f"Task {key}: base_parameters must map names to strings")
        for task in tasks:
            for dep in task.get("depends_on", []) or []:
                if not isinstance(dep, dict) or dep.get("task_key") not in keys:
                    raise bad(f"Task {task['task_key']} depends on an unknown task {dep!r}")
        for p in settings.get("parameters", []) or []:
            if not isinstance(p, dict) or "name" not in p or "default" not in p:
                raise bad("Job parameters need a name and a default")
        return settings

    def _job(self, job_id: Any) -> dict[str, Any]:
        try:
            jid = int(job_id)
        except (TypeError, ValueError):
            raise bad(f"Invalid job_id: {job_id!r}") from None
        job = self.state.jobs.get(jid)
        if job is None:
            # The Jobs API answers 400 INVALID_PARAMETER_VALUE, not 404, for a missing job.
            raise bad(f"Job {jid} does not exist.")
        return job

    def _jobs_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        body = dict(b)
        acl = body.pop("access_control_list", None)
        settings = self._validate_job(body)
        job_id = self.next_id()
        self.state.jobs[job_id] = {
            "job_id": job_id,
            "creator_user_name": self.user,
            "settings": settings,
        }
        if acl:
            self.state.permissions[("jobs", str(job_id))] = acl
        return {"job_id": job_id}

    def _jobs_reset(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        job = self._job(b.get("job_id"))
        if "new_settings" not in b:
            raise bad("new_settings is required")
        job["settings"] = self._validate_job(b["new_settings"])
        return {}

    def _jobs_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._job(q.get("job_id"))

    def _jobs_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        """Newest first; ``limit`` 1-100 (default 20; 0 means the most), ``page_token`` from
        ``next_page_token``; without ``expand_tasks`` the settings lack tasks and clusters."""
        name = q.get("name")
        try:
            limit = int(q.get("limit", "20"))
            offset = int(q.get("page_token") or q.get("offset") or "0")
        except ValueError:
            raise bad("limit, offset and page_token must be whole numbers") from None
        limit = 100 if limit == 0 else limit
        if not 1 <= limit <= 100:
            raise bad(f"The limit must be greater than 0 and at most 100, not {limit}.")
        jobs = [
            j for _, j in sorted(self.state.jobs.items(), reverse=True)
            if name is None or str(j["settings"].get("name", "")).lower() == name.lower()
        ]  # fmt: skip
        page = jobs[offset:offset + limit]
        if q.get("expand_tasks") != "true":
            page = [{**j, "settings": {k: v for k, v in j["settings"].items()
                                       if k not in ("tasks", "job_clusters")}} for j in page]
        more = offset + limit < len(jobs)
        out: dict[str, Any] = {"has_more": more}
        if page:
            out["jobs"] = page
        if more:
            out["next_page_token"] = str(offset + limit)
        return out

    def _jobs_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        job = self._job(b.get("job_id"))
        del self.state.jobs[job["job_id"]]
        self.state.permissions.pop(("jobs", str(job["job_id"])), None)
        return {}

    def _jobs_run_now(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        job = self._job(b.get("job_id"))
        token = b.get("idempotency_token")
        if token is not None:
            # Like the service: at most 64 characters; a repeat gets the run it started.
            if not isinstance(token, str) or len(token) > 64:
                raise bad("idempotency_token must be a string of at most 64 characters")
            started = self.state.run_tokens.get(token)
            if started is not None:
                return {"run_id": started, "number_in_job": started}
        params = b.get("job_parameters", {})
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
            raise bad("job_parameters must map names to strings")
        declared = {p["name"] for p in job["settings"].get("parameters", [])}
        unknown = sorted(set(params) - declared)
        if unknown:
            raise bad(f"Job parameters not defined in the job: {', '.join(unknown)}")
        only = b.get("only")
        task_keys = [t["task_key"] for t in job["settings"].get("tasks", [])]
        if only is not None and (not isinstance(only, list) or set(only) - set(task_keys)):
            raise bad(f"only must list task keys of the job: {only!r}")
        run_id = self.next_id()
        effective = {p["name"]: p["default"] for p in job["settings"].get("parameters", [])}
        effective.update(params)
        self.state.runs[run_id] = {
            "run_id": run_id,
            "job_id": job["job_id"],
            "polls": 0,
            "tasks": [k for k in task_keys if only is None or k in only],
            "deps": {
                t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])]
                for t in job["settings"].get("tasks", [])
            },
            "job_parameters": [{"name": k, "value": v} for k, v in effective.items()],
        }
        if token is not None:
            self.state.run_tokens[token] = run_id
        return {"run_id": run_id, "number_in_job": run_id}

    def _runs_cancel(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        """Like the service: ``run_id`` (an integer) is required and must exist; a run
        that already ended stays as it ended."""
        rid = b.get("run_id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            raise bad("Missing required field: run_id")
        if rid not in self.state.runs:
            raise bad(f"Run {rid} does not exist.")
        run = self.state.runs[rid]
        if run["polls"] < self.run_polls_to_finish:
            run["canceled"] = True
        return {}

    def _runs_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        try:
            run = self.state.runs[int(q.get("run_id", ""))]
        except (KeyError, ValueError):
            raise bad(f"Run {q.get('run_id')} does not exist.") from None
        if not q.get("_peek"):
            run["polls"] += 1
        done = run["polls"] >= self.run_polls_to_finish
        if run.get("canceled"):
            tasks_out = [
                {"task_key": key, "run_id": run["run_id"] * 100 + i,
                 "state": {"life_cycle_state": "TERMINATED", "result_state": "CANCELED"}}
                for i, key in enumerate(run["tasks"])
            ]
            return {
                "run_id": run["run_id"], "job_id": run["job_id"],
                "run_page_url": f"{self.url}/jobs/{run['job_id']}/runs/{run['run_id']}",
                "state": {"life_cycle_state": "TERMINATED", "result_state": "CANCELED",
                          "state_message": "Run cancelled."},
                "tasks": tasks_out,
                "job_parameters": run["job_parameters"],
                "start_time": 1700000000000,
            }
        tasks_out = []
        failed_any = False
        finished: dict[str, str] = {}
        for key in run["tasks"]:
            if not done:
                life, result = ("RUNNING" if not run["deps"].get(key) else "PENDING"), None
            elif any(
                finished.get(d) in ("FAILED", "UPSTREAM_FAILED") for d in run["deps"].get(key, [])
            ):
                life, result = "TERMINATED", "UPSTREAM_FAILED"
            elif key in self.failing_tasks:
                life, result = "TERMINATED", "FAILED"
            else:
                life, result = "TERMINATED", "SUCCESS"
            if result:
                finished[key] = result
                failed_any = failed_any or result != "SUCCESS"
            state = {"life_cycle_state": life}
            if result:
                state["result_state"] = result
            tasks_out.append(
                {"task_key": key, "run_id": run["run_id"] * 100 + len(tasks_out), "state": state}
            )
        state = {"life_cycle_state": "TERMINATED" if done else "RUNNING"}
        if done:
            state["result_state"] = "FAILED" if failed_any else "SUCCESS"
            state["state_message"] = "Some tasks failed" if failed_any else ""
        return {
            "run_id": run["run_id"],
            "job_id": run["job_id"],
            "run_page_url": f"{self.url}/jobs/{run['job_id']}/runs/{run['run_id']}",
            "state": state,
            "tasks": tasks_out,
            "job_parameters": run["job_parameters"],
            "start_time": 1700000000000,
        }

    def _runs_list(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        job_id = int(q.get("job_id", "0") or 0)
        runs = [
            {k: v for k, v in self._runs_get(m, {"run_id": str(rid), "_peek": "1"}, b).items()}
            for rid, run in sorted(self.state.runs.items(), reverse=True)
            if not job_id or run["job_id"] == job_id
        ]
        return {"runs": runs, "has_more": False} if runs else {"has_more": False}

    # -- experiments --------------------------------------------------------------
    def _experiment(self, experiment_id: Any) -> dict[str, Any]:
        exp = self.state.experiments.get(str(experiment_id))
        if exp is None:
            raise missing(f"No Experiment with id={experiment_id} exists")
        return exp

    def folder_exists(self, path: str) -> bool:
        """``/Workspace/X`` and ``/X`` name the same folder."""
        alias = path[len("/Workspace"):] if path.startswith("/Workspace/") else "/Workspace" + path
        return any(
            (obj := self.state.objects.get(p)) is not None and obj.object_type == "DIRECTORY"
            for p in (path, alias)
        )

    def _exp_parent_ok(self, name: str) -> None:
        parent = name.rsplit("/", 1)[0] or "/"
        if not self.folder_exists(parent):
            raise missing(f"Parent directory {parent} does not exist.")

    def _exp_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name = b.get("name")
        if not isinstance(name, str) or not name.startswith("/"):
            raise bad(f"Experiment name must be an absolute workspace path, got {name!r}")
        self._exp_parent_ok(name)
        for exp in self.state.experiments.values():
            if exp["name"] == name:
                stage = "" if exp["lifecycle_stage"] == "active" else " in deleted state"
                raise exists(f"Experiment '{name}' already exists{stage}.")
        exp_id = str(self.next_id())
        self.state.experiments[exp_id] = {
            "experiment_id": exp_id,
            "name": name,
            "lifecycle_stage": "active",
            "artifact_location": b.get("artifact_location")
            or f"dbfs:/databricks/mlflow-tracking/{exp_id}",
            "tags": b.get("tags", []),
        }
        return {"experiment_id": exp_id}

    def _exp_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        # Deleted experiments are still returned, with lifecycle_stage "deleted".
        return {"experiment": self._experiment(q.get("experiment_id"))}

    def _exp_get_by_name(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        for exp in self.state.experiments.values():
            if exp["name"] == q.get("experiment_name"):
                return {"experiment": exp}
        raise missing(f"Could not find experiment with name {q.get('experiment_name')}")

    def _exp_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        exp = self._experiment(b.get("experiment_id"))
        if "new_name" in b:
            new = b["new_name"]
            if not isinstance(new, str) or not new.startswith("/"):
                raise bad(f"Experiment name must be an absolute workspace path, got {new!r}")
            self._exp_parent_ok(new)
            if any(e["name"] == new for e in self.state.experiments.values() if e is not exp):
                raise exists(f"Experiment '{new}' already exists.")
            exp["name"] = new
        return {}

    def _exp_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._experiment(b.get("experiment_id"))["lifecycle_stage"] = "deleted"
        return {}

    def _exp_restore(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._experiment(b.get("experiment_id"))["lifecycle_stage"] = "active"
        return {}

    # -- workspace model registry ---------------------------------------------------
    def _wsm(self, name: Any) -> dict[str, Any]:
        model = self.state.ws_models.get(str(name))
        if model is None:
            raise missing(f"Registered Model with name={name} not found")
        return model

    def _wsm_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name = b.get("name")
        if not isinstance(name, str) or not name:
            raise bad("Registered model name is required")
        if name in self.state.ws_models:
            raise exists(f"Registered Model (name={name}) already exists.")
        model = {
            "name": name,
            "description": b.get("description", ""),
            "tags": b.get("tags", []),
            "id": f"m{self.next_id()}",
        }
        self.state.ws_models[name] = model
        return {"registered_model": {k: v for k, v in model.items() if k != "id"}}

    def _wsm_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return {
            "registered_model": {k: v for k, v in self._wsm(q.get("name")).items() if k != "id"}
        }

    def _wsm_get_db(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return {"registered_model_databricks": self._wsm(q.get("name"))}

    def _wsm_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        model = self._wsm(b.get("name"))
        if "description" in b:
            model["description"] = b["description"]
        return {"registered_model": {k: v for k, v in model.items() if k != "id"}}

    def _wsm_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name = (b or {}).get("name") or q.get("name")
        self._wsm(name)
        del self.state.ws_models[name]
        return {}

    # -- Unity Catalog models and grants ------------------------------------------------
    def _uc(self, full_name: str) -> dict[str, Any]:
        three_part(unquote(full_name), "model")
        model = self.state.uc_models.get(unquote(full_name))
        if model is None:
            raise missing(f"Routine or Model '{unquote(full_name)}' does not exist.")
        return model

    def _uc_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        parts = [b.get("catalog_name"), b.get("schema_name"), b.get("name")]
        if not all(isinstance(p, str) and p for p in parts):
            raise bad("catalog_name, schema_name and name are required")
        if any("." in p for p in parts):  # type: ignore[operator]
            raise bad("Model name parts must not contain '.'")
        full = ".".join(parts)  # type: ignore[arg-type]
        if full in self.state.uc_models:
            raise ApiError(
                409, "RESOURCE_ALREADY_EXISTS", f"Function or Model '{full}' already exists"
            )
        model = {
            "catalog_name": parts[0], "schema_name": parts[1], "name": parts[2], "full_name": full,
            "comment": b.get("comment", ""), "owner": self.user, "id": str(self.next_id()),
        }  # fmt: skip
        self.state.uc_models[full] = model
        return model

    def _uc_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._uc(m["name"])

    def _uc_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        model = self._uc(m["name"])
        allowed = {"comment", "owner", "new_name", "full_name", "aliases"}
        unknown = set(b) - allowed
        if unknown:
            raise bad(f"Cannot update field(s) {sorted(unknown)} of a registered model")
        if "comment" in b:
            model["comment"] = b["comment"]
        if "owner" in b:
            model["owner"] = b["owner"]
        if b.get("new_name"):
            del self.state.uc_models[model["full_name"]]
            model["name"] = b["new_name"]
            model["full_name"] = f"{model['catalog_name']}.{model['schema_name']}.{b['new_name']}"
            self.state.uc_models[model["full_name"]] = model
        return model

    def _uc_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        model = self._uc(m["name"])
        del self.state.uc_models[model["full_name"]]
        self.state.grants.pop(("function", model["full_name"]), None)
        return {}

    def _grants_key(self, m: Any) -> tuple[str, str]:
        stype, name = m["type"], unquote(m["name"])
        if stype not in ("function", "schema", "volume"):
            raise bad(f"Securable type {stype} is not supported by this server")
        if not self.securable_exists(stype, name):
            raise missing(f"{stype.capitalize()} '{name}' does not exist.")
        return stype, name

    def _grants_out(self, key: tuple[str, str]) -> dict[str, Any]:
        table = self.state.grants.get(key, {})
        return {
            "privilege_assignments": [
                {"principal": p, "privileges": sorted(privs)}
                for p, privs in sorted(table.items())
                if privs
            ]
        }

    def _grants_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._grants_out(self._grants_key(m))

    def _grants_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        key = self._grants_key(m)
        changes = b.get("changes")
        if not isinstance(changes, list):
            raise bad("changes must be an array")
        table = self.state.grants.setdefault(key, {})
        for change in changes:
            principal = change.get("principal") if isinstance(change, dict) else None
            if not principal:
                raise bad("Every change needs a principal")
            privs = table.setdefault(principal, set())
            for p in change.get("add", []) or []:
                privs.add(str(p).upper().replace(" ", "_"))
            for p in change.get("remove", []) or []:
                privs.discard(str(p).upper().replace(" ", "_"))
        return self._grants_out(key)

    # -- permissions ------------------------------------------------------------------
    def _perm_object(self, m: Any) -> tuple[str, str]:
        otype, oid = m["type"], m["id"]
        if otype not in PERMISSION_OBJECT_TYPES:
            raise bad(f"Object type {otype} is not supported by this server")
        if not self.permission_object_exists(otype, oid):
            raise missing(f"{otype} {oid} does not exist.")
        return otype, oid

    def permission_object_exists(self, otype: str, oid: str) -> bool:
        s = self.state
        return {
            "jobs": lambda: oid.isdigit() and int(oid) in s.jobs,
            "experiments": lambda: oid in s.experiments,
            "serving-endpoints": lambda: any(e["id"] == oid for e in s.endpoints.values()),
            "registered-models": lambda: any(x["id"] == oid for x in s.ws_models.values()),
        }.get(otype, lambda: self.extra_permission_object_exists(otype, oid))()

    @staticmethod
    def _validate_acl(otype: str, acl: Any) -> list[dict[str, Any]]:
        if not isinstance(acl, list):
            raise bad("access_control_list must be an array")
        for entry in acl:
            if not isinstance(entry, dict):
                raise bad(f"Invalid access control entry {entry!r}")
            principals = [
                k for k in ("user_name", "group_name", "service_principal_name") if k in entry
            ]
            if len(principals) != 1:
                raise bad(f"Each access control entry needs exactly one principal: {entry!r}")
            unknown = set(entry) - {*principals, "permission_level"}
            if unknown:
                raise bad(f"Unknown field(s) {sorted(unknown)} in access control entry")
            level = entry.get("permission_level")
            if level not in PERMISSION_LEVELS[otype]:
                raise bad(
                    f"Permission level {level!r} is not valid for {otype}; "
                    f"valid: {', '.join(sorted(PERMISSION_LEVELS[otype]))}"
                )
        if sum(1 for e in acl if e.get("permission_level") == "IS_OWNER") > 1:
            raise bad(f"The {otype} object can have only one owner")
        return acl

    def _perm_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        """The real answer's shape: each principal with ``all_permissions``."""
        key = self._perm_object(m)
        out = []
        for entry in self.state.permissions.get(key, []):
            principal = {k: v for k, v in entry.items() if k != "permission_level"}
            out.append({
                **principal,
                "all_permissions": [
                    {"permission_level": entry["permission_level"], "inherited": False}
                ],
            })  # fmt: skip
        return {"object_id": f"/{key[0]}/{key[1]}", "object_type": key[0].rstrip("s"),
                "access_control_list": out}  # fmt: skip

    def _perm_set(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        key = self._perm_object(m)
        self.state.permissions[key] = self._validate_acl(key[0], b.get("access_control_list"))
        return self._perm_get(m, q, b)

    def _perm_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        key = self._perm_object(m)
        self.state.permissions.setdefault(key, []).extend(
            self._validate_acl(key[0], b.get("access_control_list"))
        )
        return self._perm_get(m, q, b)

    # -- serving endpoints ----------------------------------------------------------
    def _endpoint(self, name: str) -> dict[str, Any]:
        ep = self.state.endpoints.get(name)
        if ep is None:
            raise missing(f"Endpoint with name '{name}' does not exist.")
        return ep

    @staticmethod
    def _validate_endpoint_config(config: Any) -> dict[str, Any]:
        if not isinstance(config, dict):
            raise bad("config is required")
        entities = config.get("served_entities") or config.get("served_models")
        if not isinstance(entities, list) or not entities:
            raise bad("config.served_entities must list at least one served entity")
        for e in entities:
            if not isinstance(e, dict) or not (e.get("entity_name") or e.get("model_name")):
                raise bad("Each served entity needs an entity_name")
        return config

    def _ep_create(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        name = b.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,63}", name):
            raise bad(f"Invalid endpoint name {name!r}")
        if name in self.state.endpoints:
            raise exists(f"Endpoint with name '{name}' already exists.")
        config = self._validate_endpoint_config(b.get("config"))
        self.check_served_entities(config)
        ep = {
            "name": name,
            "id": f"ep{self.next_id()}",
            "config": config,
            "tags": b.get("tags", []),
            "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
        }
        self.state.endpoints[name] = ep
        return ep

    def _ep_get(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        return self._endpoint(m["name"])

    def _ep_update(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        ep = self._endpoint(m["name"])
        ep["config"] = self._validate_endpoint_config(b)
        self.check_served_entities(ep["config"])
        return ep

    def _ep_delete(self, m: Any, q: dict[str, str], b: dict[str, Any]) -> Any:
        self._endpoint(m["name"])
        ep = self.state.endpoints.pop(m["name"])
        self.state.permissions.pop(("serving-endpoints", ep["id"]), None)
        return {}


def _make_handler(server: FakeDatabricks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body in one write: no 40 ms Nagle/delayed-ACK stall per request.
        wbufsize = 64 * 1024

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = server.handle(self.command, self.path, headers, raw)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler
