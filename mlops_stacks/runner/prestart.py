"""A run's fork server, started before the run is planned (``run`` on the local target).

The fork server of a run imports what the job's tasks used last time (pyspark's
Spark Connect client, pandas, MLflow...: one to two seconds); until it is ready,
the run's first task waits. ``prestart`` starts it as soon as the caller knows the
target and the job, so that the imports happen while the caller compares the
project with the deployed copy and the runner plans the run; the run's
``Launcher`` then ``take``s it instead of starting its own.

Only a job that has run before is prestarted (its learned preload list is a file
read; what a first run preloads needs the plan). A prestarted server that the run
does not take (another start method, a different environment, the run stopped
before it started) is stopped: by ``discard`` when the run ends, else when this
process exits.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from mlops_stacks.runner.preload import learned_file, read_learned
from mlops_stacks.runner.process import ForkServer

_Key = tuple[str, str]
# (runs dir, job key) -> (server, the environment it started with, its log, its modules)
_servers: dict[_Key, tuple[ForkServer, dict[str, str], Path, int]] = {}


def server_env(env: dict[str, str]) -> dict[str, str]:
    """The environment a run's fork server starts with (the run's ``env`` on top)."""
    return {**os.environ, **env, "PYTHONUNBUFFERED": "1",
            "MLOPS_STACKS_RUNNER_PID": str(os.getpid())}


def prestart(runs_dir: Path, job_key: str, env: dict[str, str]) -> int | None:
    """Start the fork server of the next run of ``job_key`` now; its pid (``None``:
    the job has not run before, so what to preload is not known yet)."""
    key = (str(runs_dir), job_key)
    if key in _servers:
        return _servers[key][0].pid
    modules = read_learned(Path(runs_dir), job_key)
    if not modules:
        return None
    log = learned_file(Path(runs_dir), job_key).with_suffix(f".{os.getpid()}.forkserver.log")
    wanted = server_env(env)
    server = ForkServer(modules, wanted, log.parent, log)
    if not _servers:
        atexit.register(_discard_all)
    _servers[key] = (server, wanted, log, len(modules))
    return server.pid


def take(runs_dir: Path, job_key: str, env: dict[str, str],
         run_dir: Path) -> tuple[ForkServer, int] | None:
    """The prestarted server of ``job_key`` and how many modules it preloads, if it
    started with ``env`` (else it is stopped); its log moves to ``run_dir``."""
    entry = _servers.pop((str(runs_dir), job_key), None)
    if entry is None:
        return None
    server, started_with, log, count = entry
    if started_with != env:
        server.close()
        return None
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(log, run_dir / "forkserver.log")  # the server keeps writing to it
    except OSError:
        pass
    return server, count


def discard(runs_dir: Path, job_key: str) -> None:
    """Stop the prestarted server of ``job_key`` if no run took it."""
    entry = _servers.pop((str(runs_dir), job_key), None)
    if entry is not None:
        entry[0].close()
        entry[2].unlink(missing_ok=True)


def _discard_all() -> None:
    for runs_dir, job_key in list(_servers):
        discard(Path(runs_dir), job_key)
