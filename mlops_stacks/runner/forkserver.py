"""The fork server: ``python -m mlops_stacks.runner.forkserver``, one per local run.

It imports the libraries the job's tasks use (MLflow, scikit-learn, pandas, ...)
once, then forks one child per task, so each task starts with them already
imported instead of paying seconds of imports in a fresh interpreter. Each
child is still its own process: its own session (process group), ``sys.modules``
for the project's code, environment, working directory, widgets and log, and
its exit status is the task's. The child runs ``task_main`` exactly as a fresh
process would, and ends as interpreter shutdown ends one (non-daemon threads
joined, atexit hooks, the task's objects released, buffers flushed), without
tearing down the preloaded modules one by one (``_exit``).

Protocol: JSON lines. The runner writes ``{"preload": [modules], "distributions":
[names]}`` first (the modules of those distributions are imported before the others), then
``{"start": ID, "spec": ..., "log": ..., "env": {...}, "cwd": ...}`` per task.
The server answers ``{"ready": ...}`` once after preloading, ``{"started": ID,
"pid": PID}`` or ``{"started": ID, "refused": WHY}`` (a thread is alive, so
forking is not safe: the runner starts that task as a fresh process), and
``{"exited": PID, "code": N}`` (negative: killed by that signal) when a
child ends.

When the runner goes away (its end of the pipe closes, even after SIGKILL),
the server stops every child's process group (SIGTERM, SIGKILL after a grace
period) and exits: task processes die with their run. Children also ask the
kernel (Linux) for SIGTERM if the server itself dies.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
from types import FrameType

from mlops_stacks.jsontypes import JsonObject

GRACE_SECONDS = 3.0


class _RunnerGone(Exception):
    """The runner's end of the pipe is closed."""


def _send(message: JsonObject) -> None:
    data = (json.dumps(message) + "\n").encode("utf-8")
    try:
        while data:
            data = data[os.write(1, data) :]
    except BrokenPipeError:
        raise _RunnerGone from None


def _preload(names: list[str], distributions: list[str]) -> JsonObject:
    import gc
    import importlib

    start = time.perf_counter()
    gc.disable()  # a thousand modules' objects: nothing to collect while importing
    if distributions:  # a job's first run: their modules, found here, not in the runner
        from mlops_stacks.runner.preload import seed_modules

        names = [*seed_modules(distributions), *names]
    failed = []
    for name in names:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - a module that cannot preload is left to the task
            failed.append(name)
    gc.enable()
    gc.freeze()  # children's collections skip (and so do not copy) the preloaded objects
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    return {
        "ready": True,
        "seconds": round(time.perf_counter() - start, 3),
        "modules": len(sys.modules),
        "failed": failed,
        "threads": threads,
    }


class _Server:
    def __init__(self) -> None:
        self.children: set[int] = set()
        self.warmed = False
        self.buffer = b""
        self.wakeup_r, wakeup_w = os.pipe()
        os.set_blocking(wakeup_w, False)
        self.wakeup_w = wakeup_w
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wakeup_w)

    def serve(self) -> JsonObject | None:
        """Answer commands until the runner goes away; in a forked child, return its task."""
        try:
            return self._loop()
        except _RunnerGone:
            self._stop_children()
            return None

    def _loop(self) -> JsonObject | None:
        while True:
            try:
                ready, _, _ = select.select([0, self.wakeup_r], [], [])
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            if self.wakeup_r in ready:
                os.read(self.wakeup_r, 512)
                self._reap()
            if 0 not in ready:
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                raise _RunnerGone
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                command = json.loads(line)
                if "preload" in command:
                    _send(_preload(command["preload"], command.get("distributions") or []))
                elif "start" in command:
                    task = self._start(command)
                    if task is not None:
                        return task

    def _start(self, command: JsonObject) -> JsonObject | None:
        alive = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        if alive:
            _send({"started": command["start"], "refused": f"threads alive: {', '.join(alive)}"})
            return None
        sys.stdout.flush()
        sys.stderr.flush()
        log = os.open(command["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._become_task(command, log, server_pid)
            return command
        os.close(log)
        self.children.add(pid)
        _send({"started": command["start"], "pid": pid})
        if not self.warmed:  # while the first task runs, for the tasks forked after it
            from mlops_stacks.runner.preload import warm_up

            warm_up()
            import gc

            gc.freeze()
            self.warmed = True
        return None

    def _become_task(self, command: JsonObject, log: int, server_pid: int) -> None:
        """In the child: a fresh session, the task's files, environment and directory."""
        os.setsid()
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        for fd in (null, log, self.wakeup_r, self.wakeup_w):
            os.close(fd)
        os.environ.clear()
        os.environ.update(command["env"])
        os.environ["MLOPS_STACKS_PARENT_PID"] = str(server_pid)
        os.chdir(command["cwd"])
        sys.path[0] = command["cwd"]
        if "numpy" in sys.modules:  # a fresh process would seed numpy's global RNG anew
            sys.modules["numpy"].random.seed()

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            _send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})

    def _stop_children(self) -> None:
        """The runner is gone: its tasks go too (SIGTERM, then SIGKILL), whole groups."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in list(self.children):
                try:
                    os.killpg(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + GRACE_SECONDS
            while self.children and time.monotonic() < deadline:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    self.children.clear()
                    break
                if pid:
                    self.children.discard(pid)
                else:
                    time.sleep(0.05)
            if not self.children:
                return


def _die_with_runner() -> None:
    """SIGTERM (from the runner, or from the kernel when the runner dies: Linux) ends
    the server like a closed pipe does, even while it is still importing."""

    def gone(signum: int, frame: FrameType | None) -> None:
        raise _RunnerGone

    signal.signal(signal.SIGTERM, gone)
    runner = int(os.environ.get("MLOPS_STACKS_RUNNER_PID") or 0)
    if runner and sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if runner and os.getppid() != runner:
        raise _RunnerGone


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides when tasks stop
    try:
        _die_with_runner()
    except _RunnerGone:
        return 0
    task = _Server().serve()
    if task is None:
        return 0
    from mlops_stacks.runner.task_main import main as task_main

    _exit(task_main([task["spec"]]))
    return 0  # pragma: no cover - _exit does not return


def _exit(code: int) -> None:
    """End a forked task as interpreter shutdown would, minus tearing down thousands
    of preloaded modules one by one (seconds, and nothing the task wrote depends on
    it): join non-daemon threads, run atexit hooks, release the task's own objects
    (so files it left open are flushed and closed), flush, exit."""
    import atexit
    import gc

    # Private (not in typeshed): what Py_FinalizeEx calls first.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    main_module = sys.modules.get("__main__")
    if main_module is not None and main_module.__dict__ is not globals():  # a notebook's
        main_module.__dict__.clear()
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
