"""How the tasks of a run start: forked from a fork server, or as fresh processes.

Forking (``forkserver.py``) is the default on POSIX: the run's fork server
imports the job's libraries once and each task starts with them loaded.
A task starts as a fresh ``python`` process instead when:

- forking is not available (Windows);
- the setting says so: ``MLOPS_STACKS_START_METHOD=spawn`` (or ``start_method``);
- the task declares its own environment or libraries (``environment_key`` with
  dependencies, ``libraries``), which the fork server did not import;
- the fork server refuses (a thread is alive in it, so forking is unsafe) or
  has ended.

``Launcher.note`` says which way was taken and why (``run --debug`` prints it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.process import ForkedProcess, ForkRefused, ForkServer, TaskProcess

START_METHOD_ENV = "MLOPS_STACKS_START_METHOD"
FORK, SPAWN = "fork", "spawn"


def start_method(explicit: str | None = None) -> tuple[str, str]:
    """The start method to use and why: ``(FORK|SPAWN, reason)``."""
    wanted = (explicit or os.environ.get(START_METHOD_ENV) or FORK).strip().lower()
    if wanted not in (FORK, SPAWN):
        from mlops_stacks.errors import RunError

        raise RunError(
            f"Unknown task start method '{wanted}'.",
            hint=f"Set {START_METHOD_ENV} to 'fork' (default) or 'spawn' (a fresh process "
            "per task).",
        )
    if wanted == SPAWN:
        source = "start_method" if explicit else START_METHOD_ENV
        return SPAWN, f"{source}=spawn"
    if not hasattr(os, "fork") or os.name != "posix":
        return SPAWN, "forking is not available on this platform"
    return FORK, "fork server"


def own_environment(settings: JsonObject, job: JsonObject) -> str | None:
    """Why a task needs a fresh process of its own (``None`` if it does not)."""
    if settings.get("libraries"):
        return "the task declares its own libraries"
    key = settings.get("environment_key")
    for env in job.get("environments") or []:
        if isinstance(env, dict) and env.get("environment_key") == key:
            if (env.get("spec") or {}).get("dependencies"):
                return f"the task uses its own environment '{key}'"
    return None


class Launcher:
    """Starts task processes for one run; ``close()`` when the run ends."""

    def __init__(
        self,
        *,
        method: str | None,
        preload: Callable[[], tuple[list[str], list[str], str]],
        server_env: dict[str, str],
        run_dir: Path,
        prestarted: Callable[[], tuple[ForkServer, int] | None] | None = None,
    ) -> None:
        self.method, reason = start_method(method)
        self.note = f"fresh processes ({reason})" if self.method == SPAWN else reason
        self._preload = preload
        self._server_env = server_env
        self._run_dir = run_dir
        self._prestarted = prestarted
        self.server: ForkServer | None = None

    def warm_up(self) -> None:
        """Start the fork server now, so that it imports while the runner gets ready
        (or take the one ``prestart.py`` started before the run was planned)."""
        if self.method == FORK and self.server is None:
            early = self._prestarted() if self._prestarted is not None else None
            if early is not None:
                self.server, count = early
                self.note = (f"fork server (pid {self.server.pid}, started before the run was "
                             f"planned), preloading {count} modules its tasks used in the last run")
                return
            modules, distributions, origin = self._preload()
            self.server = ForkServer(modules, self._server_env, self._run_dir,
                                     self._run_dir / "forkserver.log", distributions)
            what = f"{len(modules)} {origin}" if modules else origin
            self.note = f"fork server (pid {self.server.pid}), preloading {what}"

    def start(
        self,
        spec_path: Path,
        log_path: Path,
        env: dict[str, str],
        cwd: Path,
        fresh_reason: str | None = None,
        deadline: float | None = None,
    ) -> TaskProcess | ForkedProcess:
        """Start a task; ``process.ForkWaitExpired`` if ``deadline`` passes while the
        fork server is still importing."""
        if self.method == FORK and fresh_reason is None:
            self.warm_up()
            assert self.server is not None
            try:
                return ForkedProcess(self.server, spec_path, log_path, env, cwd, deadline)
            except ForkRefused as exc:
                self.method = SPAWN
                self.note = f"fresh processes: the fork server refused ({exc})"
        return TaskProcess(spec_path, log_path, env, cwd)

    def describe(self) -> str:
        """One line for ``--debug``: how tasks started, with the preload figures."""
        if self.server is not None and self.server.ready:
            ready = self.server.ready
            extra = f"; {ready['seconds']:.2f} s to import, {ready['modules']} modules loaded"
            if ready.get("failed"):
                extra += f", {len(ready['failed'])} could not be preloaded"
            return self.note + extra
        return self.note

    def close(self) -> None:
        if self.server is not None:
            try:
                self.server.pump()
            except ForkRefused:
                pass
            self.server.close()
