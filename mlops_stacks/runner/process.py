"""Task processes: start one process per task, stop it cleanly.

Two ways to start a task, with the same handle (``poll``/``terminate``/
``kill``/``stop``):

- ``TaskProcess``: a fresh ``python -m mlops_stacks.runner.task_main SPEC``;
- ``ForkedProcess``: a child of the run's ``ForkServer`` (``forkserver.py``),
  forked with the job's libraries already imported.

Either way each task process has its own process group (session on POSIX), so
a Ctrl-C at the terminal reaches only the runner, which then stops the task
and everything it started: SIGTERM to the group (the task turns it into
KeyboardInterrupt and cleans up), SIGKILL after a grace period.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mlops_stacks.jsontypes import JsonObject

GRACE_SECONDS = 5.0


class _Handle:
    """What the runner does with a task process, whoever started it."""

    pid: int
    _terminated = False

    def poll(self) -> int | None:
        raise NotImplementedError

    def _wait(self, timeout: float | None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.02)
        return code

    def terminate(self) -> None:
        """Ask the task (and its children) to stop (once: a second SIGTERM would
        interrupt the task's own clean-up)."""
        if not self._terminated:
            self._terminated = True
            self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)

    def stop(self, grace: float = GRACE_SECONDS) -> int | None:
        """Terminate, wait up to ``grace`` seconds, then kill. Returns the exit code."""
        if self.poll() is None:
            self.terminate()
            if self._wait(grace) is None:
                self.kill()
        code = self._wait(None)
        self._kill_group_leftovers()
        return code

    def _signal(self, sig: int) -> None:
        if os.name == "posix":
            try:
                os.killpg(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def _kill_group_leftovers(self) -> None:
        """Processes the task started in its group must not outlive it."""
        if os.name == "posix":
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


class TaskProcess(_Handle):
    """A fresh ``python -m mlops_stacks.runner.task_main SPEC.json`` with its log."""

    start_method = "spawn"

    def __init__(self, spec_path: Path, log_path: Path, env: dict[str, str], cwd: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            # Windows only: typeshed defines it on win32
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        with open(log_path, "ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "mlops_stacks.runner.task_main", str(spec_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**env, "MLOPS_STACKS_PARENT_PID": str(os.getpid())},
                cwd=str(cwd),
                **kwargs,
            )
        self.pid = self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def _signal(self, sig: int) -> None:
        if os.name == "posix":
            super()._signal(sig)
        elif self.popen.poll() is None:  # pragma: no cover - Windows
            self.popen.terminate() if sig == signal.SIGTERM else self.popen.kill()


class ForkRefused(Exception):
    """The fork server cannot fork safely now (a thread is alive); start the task fresh."""


class ForkWaitExpired(Exception):
    """The run's time limit passed while the fork server was still preparing."""


class ForkServer:
    """The runner's end of a fork server (``python -m mlops_stacks.runner.forkserver``).

    Starting it returns at once; the server imports ``preload`` (and the modules of
    ``distributions``) in the background while the runner goes on. ``close()`` ends
    it; if the runner dies instead, the server notices the closed pipe and stops the
    tasks.
    """

    def __init__(self, preload: list[str], env: dict[str, str], cwd: Path, log: Path,
                 distributions: list[str] | None = None) -> None:
        kwargs: dict[str, Any] = {"start_new_session": True}
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "mlops_stacks.runner.forkserver"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=env,
                cwd=str(cwd),
                **kwargs,
            )
        self.pid = self.popen.pid
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self._out = self.popen.stdout.fileno()
        os.set_blocking(self._out, False)
        self._buffer = b""
        self.exits: dict[int, int] = {}
        self.ready: JsonObject | None = None
        self._replies: dict[int, JsonObject] = {}
        self._next = 0
        self._started: set[int] = set()
        self._write({"preload": preload, "distributions": distributions or []})

    def _write(self, message: JsonObject) -> None:
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.popen.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise ForkRefused(f"the fork server ended ({exc})") from None

    def pump(self, block: bool = False) -> None:
        """Read what the server has said so far (first waiting up to half a second for
        it to say something, if ``block``)."""
        import select

        if block:
            select.select([self._out], [], [], 0.5)
        while True:
            try:
                chunk = os.read(self._out, 65536)
            except BlockingIOError:
                return
            if chunk == b"":
                if self.popen.poll() is not None:
                    raise ForkRefused(f"the fork server ended with status {self.popen.returncode}")
                return
            self._buffer += chunk
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                self._handle(json.loads(line))

    def _handle(self, message: JsonObject) -> None:
        if "exited" in message:
            self.exits[int(message["exited"])] = int(message["code"])
        elif "started" in message:
            self._replies[int(message["started"])] = message
        elif "ready" in message:
            self.ready = message

    def start(
        self, spec_path: Path, log_path: Path, env: dict[str, str], cwd: Path,
        deadline: float | None = None,
    ) -> int:
        """Fork a task process; its pid. ``ForkRefused`` when the server cannot fork,
        ``ForkWaitExpired`` when ``deadline`` (``time.monotonic()``) passes first."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._next += 1
        ident = self._next
        self._write(
            {"start": ident, "spec": str(spec_path), "log": str(log_path), "env": env,
             "cwd": str(cwd)}
        )
        while ident not in self._replies:
            if deadline is not None and time.monotonic() > deadline:
                raise ForkWaitExpired
            self.pump(block=True)
        reply = self._replies.pop(ident)
        if "refused" in reply:
            raise ForkRefused(str(reply["refused"]))
        pid = int(reply["pid"])
        self._started.add(pid)
        return pid

    def close(self) -> None:
        """End the server (it stops any task still running), and wait for it."""
        if not self._started - set(self.exits):
            self.popen.kill()  # no task of its own left: no need to let it finish importing
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            try:
                self.popen.stdin.close()
            except OSError:
                pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()


class ForkedProcess(_Handle):
    """A task process forked by the run's ``ForkServer``."""

    start_method = "fork"

    def __init__(
        self, server: ForkServer, spec_path: Path, log_path: Path, env: dict[str, str], cwd: Path,
        deadline: float | None = None,
    ) -> None:
        self.server = server
        self.pid = server.start(spec_path, log_path, env, cwd, deadline)

    def poll(self) -> int | None:
        if self.pid not in self.server.exits:
            try:
                self.server.pump()
            except ForkRefused:
                return -signal.SIGKILL  # the server died, and its children with it
        return self.server.exits.get(self.pid)


def stop_all(processes: list[_Handle], grace: float = GRACE_SECONDS) -> None:
    """Terminate every process at once, then wait for them together (kill stragglers)."""
    for p in processes:
        p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        p.stop(grace=max(0.0, deadline - time.monotonic()))
