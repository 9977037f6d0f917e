"""Carry out a plan's resource actions over the dependency graph, several at a time.

``execute`` runs the deletions first, then the creations and updates, each
set over its dependency graph (``graph.py``) with at most ``parallelism``
changes at once (the workspace may allow fewer: ``protocol.max_parallelism``).
Each finished change is recorded in the state as it lands (``recorder.py``).

A failed change stops what depends on it; everything else still runs. Then
``raise_failures`` raises ``ApplyFailed``, which reports every failure (what was
attempted, the workspace's message) and what was not started because of it. A deploy with a single
failure and nothing held back raises that failure itself, with its own advice.
A creation that must wait (``Deferred``: a serving endpoint whose model version
is not registered) is noted; what depends on it waits for the next deploy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from mlops_stacks.deploy.faults import pause_point
from mlops_stacks.deploy.graph import dependencies, walk
from mlops_stacks.deploy.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    Action,
    Plan,
    has_unresolved_ids,
    resolve_ids,
)
from mlops_stacks.deploy.recorder import StateRecorder
from mlops_stacks.deploy.state import DeploymentState, ResourceState
from mlops_stacks.errors import MlopsStacksError, WorkspaceError
from mlops_stacks.workspace.protocol import Deferred, Workspace, max_parallelism

#: Called with a progress message.
Progress = Callable[[str], None]

_VERBS = {CREATE: "Creating", UPDATE: "Updating", DELETE: "Deleting"}


class ApplyFailed(WorkspaceError):
    """Some changes failed; the others were applied (and recorded)."""

    def __init__(self, message: str, *, hint: str, failures: list[tuple[str, str]],
                 left: list[str]) -> None:
        super().__init__(message, hint=hint)
        self.failures = failures
        """``(address, message)`` of each failed change."""
        self.left = left
        """Addresses of the resources not changed (failed, or waiting on a failure)."""


@dataclass
class Outcome:
    """Addresses by what happened to them."""

    done: dict[str, list[str]] = field(default_factory=dict)
    """op -> addresses applied."""
    deferred: dict[str, str] = field(default_factory=dict)
    failed: dict[str, BaseException] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    """address -> the failed (or deferred) address it waited for."""


def change(workspace: Workspace, ids: Callable[[], Mapping[tuple[str, str], str]],
           action: Action, salt_state: DeploymentState) -> ResourceState | None:
    """Carry out one action in the workspace; the resource as now deployed (None: deleted).

    ``ids`` gives the IDs known now, for references the plan could not fill in yet.
    """
    if action.op == DELETE:
        assert action.deployed is not None
        workspace.delete_resource(action.kind, action.key, action.deployed.id)
        return None
    config = action.config or {}
    if has_unresolved_ids(config):
        config = resolve_ids(config, ids())
    if action.op == CREATE:
        ref = workspace.create_resource(action.kind, action.key, config)
    else:
        assert action.deployed is not None
        ref = workspace.update_resource(
            action.kind, action.key, action.deployed.id, config, action.deployed.config)
    return ResourceState(id=ref.id, fingerprint=salt_state.fingerprint(config), config=config,
                         name=ref.name)


def execute(workspace: Workspace, state: DeploymentState, plan: Plan, progress: Progress,
            parallelism: int = 1) -> Outcome:
    """Apply ``plan``'s actions to ``workspace``, recording them in ``state``.

    Failed changes are in the outcome (``raise_failures`` reports them); see the
    module docstring.
    """
    limit = max_parallelism(workspace)
    width = max(1, min(parallelism, limit) if limit else parallelism)
    outcome = Outcome()
    outcome.done[UNCHANGED] = [a.address for a in plan.actions if a.op == UNCHANGED]
    deletes = [a for a in plan.actions if a.op == DELETE]
    others = [a for a in plan.actions if a.op in (CREATE, UPDATE)]
    counter = _Counter()
    with StateRecorder(workspace, state) as recorder:
        _run(workspace, recorder, deletes, outcome, progress, width, counter)
        failed_names = {(a.kind, a.name) for a in deletes if a.address in outcome.failed}
        # A creation that would adopt a resource whose deletion failed waits for it.
        for a in others:
            if (a.kind, a.name) in failed_names and a.name:
                blocker = next(d.address for d in deletes
                               if (d.kind, d.name) == (a.kind, a.name))
                outcome.blocked[a.address] = blocker
        _run(workspace, recorder, [a for a in others if a.address not in outcome.blocked],
             outcome, progress, width, counter)
    return outcome


class _Counter:
    """Numbers the changes as they land (for the test pause points)."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.value += 1
            return self.value


def _run(workspace: Workspace, recorder: StateRecorder, actions: Sequence[Action],
         outcome: Outcome, progress: Progress, width: int, counter: _Counter) -> None:
    if not actions:
        return

    def work(i: int) -> None:
        action = actions[i]
        progress(f"{_VERBS[action.op]} {action.address}")
        deployed = change(workspace, recorder.ids, action, recorder.state)
        number = counter.next()
        pause_point(number, saved=False)
        if deployed is None:
            recorder.remove(action.kind, action.key)
        else:
            recorder.put(action.kind, action.key, deployed)
        pause_point(number, before=recorder.flush)

    result = walk(len(actions), dependencies(actions), work, width,
                  is_deferred=lambda err: isinstance(err, Deferred))
    for i in result.done:
        outcome.done.setdefault(actions[i].op, []).append(actions[i].address)
    for i, err in result.deferred.items():
        note = f"{actions[i].address} deferred: {err}"
        outcome.deferred[actions[i].address] = note
        progress(note)
    for i, err in result.failed.items():
        outcome.failed[actions[i].address] = err
    for i, j in result.blocked.items():
        outcome.blocked[actions[i].address] = actions[j].address


def raise_failures(outcome: Outcome, *, strict: bool = False, hint: str | None = None) -> None:
    """Raise ``ApplyFailed`` for the failures of ``outcome`` (if any): with a single
    failure that held nothing back, that failure itself unless ``strict``."""
    if not outcome.failed:
        return
    held = {a: b for a, b in outcome.blocked.items() if b in outcome.failed}
    if not strict and len(outcome.failed) == 1 and not held:
        raise next(iter(outcome.failed.values()))
    for err in outcome.failed.values():
        if not isinstance(err, MlopsStacksError):
            raise err  # a bug, not a workspace's answer: keep its traceback
    failures = [(address, _message(err)) for address, err in outcome.failed.items()]
    lines = [f"  {address}: {text}" for address, text in failures]
    lines += [f"  {address}: not started, it needs {needs}" for address, needs in held.items()]
    n = len(failures)
    raise ApplyFailed(
        f"{n} change{'s' if n != 1 else ''} failed; the others were applied:\n"
        + "\n".join(lines),
        hint=hint or "Fix the cause of each failure and run the command again: the "
        "deployment state records everything applied, so only what is left is retried.",
        failures=failures, left=sorted({*outcome.failed, *held}),
    )


def _message(err: BaseException) -> str:
    return err.message if isinstance(err, MlopsStacksError) else str(err)
