"""Task processes: start one Python process per task, stop it cleanly.

Each task process gets its own process group (session on POSIX), so a
Ctrl-C at the terminal reaches only the runner, which then stops the task
and everything it started: SIGTERM to the group (the task turns it into
KeyboardInterrupt and cleans up), SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 5.0


class TaskProcess:
    """A running ``python -m mlops_stacks.runner.task_main SPEC`` with its log."""

    def __init__(self, spec_path: Path, log_path: Path, env: dict[str, str], cwd: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in wait()/stop()
        kwargs: dict = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "mlops_stacks.runner.task_main", str(spec_path)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(cwd),
            **kwargs,
        )
        self.pid = self.popen.pid
        self._terminated = False

    def poll(self) -> int | None:
        code = self.popen.poll()
        if code is not None:
            self._log.close()
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
        if self.popen.poll() is None:
            self.terminate()
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()
        code = self.popen.wait()
        self._kill_group_leftovers()
        self._log.close()
        return code

    def _signal(self, sig: int) -> None:
        if os.name == "posix":
            try:
                os.killpg(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        elif self.popen.poll() is None:  # pragma: no cover - Windows
            self.popen.terminate() if sig == signal.SIGTERM else self.popen.kill()

    def _kill_group_leftovers(self) -> None:
        """Processes the task started in its group must not outlive it."""
        if os.name != "posix":
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def stop_all(processes: list[TaskProcess], grace: float = GRACE_SECONDS) -> None:
    """Terminate every process at once, then wait for them together (kill stragglers)."""
    for p in processes:
        p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        p.stop(grace=max(0.0, deadline - time.monotonic()))
