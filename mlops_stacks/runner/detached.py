"""Runs that go on in the background: ``run --no-wait``.

``start_detached`` checks the job in this process (so mistakes are reported
at once), writes the request to ``runs_dir/<run_id>/request.json`` and a
PENDING record, then starts ``python -m mlops_stacks.runner.detached
REQUEST`` in its own session and returns the run id. The background process
writes the same record a foreground run would; its own output goes to
``runs_dir/<run_id>/runner.log``. ``cancel_run`` stops it (SIGTERM, which it
treats like Ctrl-C).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from mlops_stacks.errors import MlopsStacksError, RunError
from mlops_stacks.fileio import atomic_write_json as write_json_atomic
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.record import (
    CANCELED,
    FAILED,
    PENDING,
    RUN_FILE,
    RUNNING,
    RunRecord,
    load_run,
    new_run_id,
)

REQUEST_FILE = "request.json"


def start_detached(
    job: JsonObject,
    *,
    job_key: str,
    runs_dir: Path,
    resolve_path: Callable[[str], Path],
    env: dict[str, str],
    params: dict[str, str] | None = None,
    only: list[str] | None = None,
    job_id: str | None = None,
    files_root: Path | None = None,
) -> str:
    """Start a run in a background process and return its run id (see ``load_run``)."""
    from mlops_stacks.runner.plan import prepare_run

    plan = prepare_run(
        job,
        job_key=job_key,
        resolve_path=resolve_path,
        params=params,
        only=only,
        can_run_jobs=False,
        files_root=files_root,
        job_id=job_id,
    )
    from mlops_stacks.runner.admission import ADMITTED, QUEUED_OUTCOME, admit, hand_over

    run_id = new_run_id()
    run_dir = Path(runs_dir) / run_id
    paths = {k: str(v) for k, v in plan.files.items()}
    request = {
        "job": job,
        "job_key": job_key,
        "runs_dir": str(Path(runs_dir).resolve()),
        "env": env,
        "params": params or {},
        "only": only,
        "run_id": run_id,
        "job_id": plan.job_id,
        "task_files": paths,
    }
    write_json_atomic(run_dir / REQUEST_FILE, request)
    # Skipped or queued under max_concurrent_runs is decided now, so the caller can say so.
    admission = admit(runs_dir, job, job_key=job_key, run_id=run_id, wait=False)
    if admission.outcome not in (ADMITTED, QUEUED_OUTCOME):
        return run_id
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:  # pragma: no cover - Windows
        # Windows only: typeshed defines it on win32
        kwargs["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    with open(run_dir / "runner.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlops_stacks.runner.detached", str(run_dir / REQUEST_FILE)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            **kwargs,
        )
    # The background process owns the run from now on (its slot stays taken).
    hand_over(runs_dir, run_id, process.pid)
    return run_id


def cancel_run(runs_dir: Path, run_id: str, *, wait: float = 30.0) -> RunRecord:
    """Cancel run ``run_id`` and return its record: CANCELED, or how it ended first.

    The process running it (``run`` in a terminal, or a ``run --no-wait``
    background runner) gets SIGTERM, which it handles like Ctrl-C: it stops the
    tasks and closes the record CANCELED. This waits up to ``wait`` seconds for
    that (0: return at once). A run whose process is already gone is closed
    CANCELED here.
    """
    import time

    record = load_run(runs_dir, run_id)
    if record.done:
        return record
    if record.pid and record.owner_alive():
        try:
            os.kill(record.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(0.1)
            record = _read_record(runs_dir, run_id) or record
            if record.done or not record.owner_alive():
                break
        if record.done or record.owner_alive():
            return record
    record.state = CANCELED
    record.error = "canceled (its process had ended)"
    record.end_time = record.end_time or time.time()
    for task in record.tasks.values():
        if task.state in (PENDING, RUNNING):
            task.state = CANCELED
            task.end_time = record.end_time if task.start_time else None
    record.save(runs_dir)
    return record


def _read_record(runs_dir: Path, run_id: str) -> RunRecord | None:
    """The record as written, without closing it when its process is gone."""
    try:
        data = json.loads((Path(runs_dir) / run_id / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return RunRecord.from_dict(data) if isinstance(data, dict) else None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m mlops_stacks.runner.detached REQUEST.json", file=sys.stderr)
        return 2
    request = json.loads(Path(args[0]).read_text(encoding="utf-8"))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    from mlops_stacks.runner.engine import run_job

    files = request["task_files"]
    by_workspace_path = _workspace_paths(request["job"], files)

    def resolve(path: str) -> Path:
        if path in by_workspace_path:
            return Path(by_workspace_path[path])
        raise RunError(f"no local file for '{path}'")

    runs_dir = Path(request["runs_dir"])
    try:
        record = run_job(
            request["job"],
            job_key=request["job_key"],
            runs_dir=runs_dir,
            resolve_path=resolve,
            env=request["env"],
            params=request["params"] or None,
            only=request["only"],
            run_id=request["run_id"],
            job_id=request["job_id"],
            check_deps=False,
        )
    except KeyboardInterrupt:
        return 130
    except MlopsStacksError as exc:
        record = RunRecord(
            run_id=request["run_id"],
            job_key=request["job_key"],
            state=FAILED,
            error=str(exc),
            run_dir=str(runs_dir / request["run_id"]),
        )
        record.save(runs_dir)
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0 if record.state == "SUCCESS" else 1


def _workspace_paths(job: JsonObject, files: dict[str, str]) -> dict[str, str]:
    """Workspace path -> local file, for the tasks whose files were located up front."""
    out = {}
    for task in job.get("tasks") or []:
        key = task.get("task_key")
        if key not in files:
            continue
        path = (task.get("notebook_task") or {}).get("notebook_path") or (
            task.get("spark_python_task") or {}
        ).get("python_file")
        if path:
            out[str(path)] = files[key]
    return out


if __name__ == "__main__":
    sys.exit(main())
