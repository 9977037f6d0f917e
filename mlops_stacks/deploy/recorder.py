"""Record each applied change in the deployment state as it lands, from many workers.

While resources are applied, ``StateRecorder`` owns the in-memory
``DeploymentState``: workers report each finished change (``put``,
``remove``) and read the IDs known so far (``ids``) through it, under one lock.
It makes each change durable:

- on a workspace that keeps a journal (``protocol.JournaledState``: the local
  workspace), the change is appended to it at once, in constant time; the
  whole document is written before the first entry (when the target has none
  yet) and once more at the end (``close``);
- elsewhere (Databricks: one document, replaced whole), one writer thread
  writes the latest state whenever it changed, so the changes that land while
  a write is on its way go out together in the next one.

A change applied but not yet recorded when the command is killed is not lost:
creates adopt what they find by identity (``workspace/protocol.py``), so the
next deploy records it instead of making a duplicate.
"""

from __future__ import annotations

import threading
from types import TracebackType

from mlops_stacks.deploy.state import DeploymentState, ResourceState, next_document
from mlops_stacks.workspace.protocol import JournaledState, Workspace


class StateRecorder:
    """See the module docstring. Use as a context manager: ``close`` on the way out."""

    def __init__(self, workspace: Workspace, state: DeploymentState) -> None:
        self.workspace = workspace
        self.state = state
        self.lock = threading.Lock()
        self._journal = workspace if isinstance(workspace, JournaledState) else None
        self._wake = threading.Condition(self.lock)
        self._dirty = False
        self._writing = False
        self._closing = False
        self._changed = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    # -- what workers call ------------------------------------------------------
    def ids(self) -> dict[tuple[str, str], str]:
        with self.lock:
            return self.state.ids()

    def put(self, kind: str, key: str, resource: ResourceState) -> None:
        with self.lock:
            self.state.put(kind, key, resource)
            self._record(kind, key)

    def remove(self, kind: str, key: str) -> None:
        with self.lock:
            self.state.remove(kind, key)
            self._record(kind, key)

    def _record(self, kind: str, key: str) -> None:
        """Make the change to ``kind.key`` durable (the lock is held)."""
        self._raise_error()
        self._changed = True
        if self._journal is not None:
            if self.state.serial == 0:  # nothing written yet: the journal needs a base
                self.workspace.write_state(next_document(self.state))
            self._journal.append_state_entry(self.state.journal_entry(kind, key))
            return
        self._dirty = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._writer, daemon=True,
                                            name="mlops-stacks-state")
            self._thread.start()
        self._wake.notify_all()

    # -- the writer thread (workspaces without a journal) -------------------------
    def _writer(self) -> None:
        while True:
            with self.lock:
                while not self._dirty and not self._closing:
                    self._wake.wait()
                if not self._dirty:
                    return
                self._dirty = False
                self._writing = True
                document = next_document(self.state)
            error: BaseException | None = None
            try:
                self.workspace.write_state(document)
            except BaseException as err:  # raised in the workers and at close
                error = err
            with self.lock:
                self._writing = False
                if error is not None and self._error is None:
                    self._error = error
                self._wake.notify_all()
                if self._error is not None:
                    return

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def flush(self) -> None:
        """Wait until every change recorded so far is written."""
        with self.lock:
            while (self._dirty or self._writing) and self._error is None and (
                    self._thread is not None and self._thread.is_alive()):
                self._wake.wait()
            self._raise_error()

    def close(self) -> None:
        """Write what is left: the last changes, or (journal) the whole document."""
        with self.lock:
            self._closing = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._raise_error()
        if self._journal is not None and self._changed:
            self.workspace.write_state(next_document(self.state))

    def __enter__(self) -> StateRecorder:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        if err is None:
            self.close()
            return
        try:  # keep what was applied; the error on the way out is the one to show
            self.close()
        except Exception:  # noqa: BLE001 - the first error is reported, not this one
            pass

