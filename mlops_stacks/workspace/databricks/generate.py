"""``generate job``: write a job resource YAML, and its notebooks, from a job in the workspace.

The job's settings become ``resources/<key>.job.yml``; each notebook task's
workspace notebook is exported (source format) to ``src/<name>.py`` and the
task points at it by a path relative to the YAML file, so the next deploy syncs
it. Fields the deploy sets itself (``deployment``, ``edit_mode``, ``format``)
are left out. Nothing is overwritten unless ``force``; files are written only
after every notebook was exported.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from mlops_stacks.errors import UsageError, WorkspaceError
from mlops_stacks.fileio import atomic_write_bytes
from mlops_stacks.workspace.databricks.auth import Connection
from mlops_stacks.workspace.databricks.resources import JOBS_API, missing_by_400

#: Settings the deploy fills in itself.
_DROPPED = ("deployment", "edit_mode", "format")


def resource_key(name: str) -> str:
    key = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return key or "job"


def _export(conn: Connection, path: str) -> bytes:
    data = conn.call("GET", "/api/2.0/workspace/export", query={"path": path, "format": "SOURCE"},
                     what=f"export notebook {path}")  # fmt: skip
    return base64.b64decode(data.get("content") or "")


def generate_job(
    conn: Connection, job_id: str, bundle_root: Path, *, key: str | None = None,
    force: bool = False,
) -> tuple[str, list[Path]]:
    """Write the job's YAML and notebooks under ``bundle_root``; (resource key, files written)."""
    import yaml

    try:
        job = conn.call("GET", f"{JOBS_API}/get", query={"job_id": job_id},
                        what=f"read job {job_id}")  # fmt: skip
    except WorkspaceError as err:
        if missing_by_400(err) or "does not exist" in str(err):
            raise WorkspaceError(
                f"There is no job {job_id} in {conn.host}.",
                hint="Copy the job ID from the job's page (Jobs & Pipelines > the job).",
            ) from None
        raise
    settings = {k: v for k, v in (job.get("settings") or {}).items() if k not in _DROPPED}
    key = key or resource_key(str(settings.get("name") or f"job_{job_id}"))
    yml = bundle_root / "resources" / f"{key}.job.yml"
    files: dict[Path, bytes] = {}
    for task in settings.get("tasks") or []:
        nb = task.get("notebook_task")
        if not isinstance(nb, dict) or nb.get("source", "WORKSPACE") != "WORKSPACE":
            continue
        path = str(nb.get("notebook_path") or "")
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.rstrip("/").rsplit("/", 1)[-1]) or "notebook"
        local = bundle_root / "src" / f"{name}.py"
        files[local] = _export(conn, path)
        nb["notebook_path"] = f"../src/{local.name}"
    doc = {"resources": {"jobs": {key: settings}}}
    files[yml] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")
    existing = [p for p in files if p.exists()]
    if existing and not force:
        raise UsageError(
            "Not overwriting " + ", ".join(str(p.relative_to(bundle_root)) for p in existing) + ".",
            hint="Pass --force to overwrite them, or --key to name the job differently.",
        )
    for target, content in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, content)
    return key, list(files)
