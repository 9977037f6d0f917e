"""Apply a deployment: lock, plan, sync files, then the resource actions over their graph.

``deploy`` and ``destroy`` both:

1. take the target's lock (``LockError`` names the holder; a stale lock is
   broken with a note; ``force_lock`` breaks any);
2. read the state, drop from it what was deleted outside mlops-stacks
   (``refresh.py``: those are recreated, with a warning), and plan against it;
3. ask ``approve`` before deleting resources that hold data;
4. change resources over their dependency graph, ``parallelism`` at a time
   (``execute.py``), recording each change as it lands, so a crash leaves a
   state the next run converges from; a failure stops only what depends on it,
   and every failure is reported at the end;
5. always release the lock.

Everything goes through the ``Workspace`` protocol; nothing here knows whether
the workspace is a local folder or Databricks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from mlops_stacks.deploy.artifacts import build_artifacts
from mlops_stacks.deploy.desired import Desired, desired_resources
from mlops_stacks.deploy.execute import ApplyFailed, Outcome, change, execute, raise_failures
from mlops_stacks.deploy.faults import pause_point
from mlops_stacks.deploy.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    Action,
    Plan,
    compute_plan,
)
from mlops_stacks.deploy.refresh import read_ahead, refreshed_plan
from mlops_stacks.deploy.saved_plan import check_saved_plan, plan_basis
from mlops_stacks.deploy.state import (
    DeploymentState,
    load_state,
    save_state,
)
from mlops_stacks.deploy.sync import SyncPlan, plan_sync, skipped_warning
from mlops_stacks.diagnostics import Diagnostic
from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.parallelism import parallelism_from
from mlops_stacks.secrets import bundle_secrets
from mlops_stacks.workspace.protocol import (
    DATA_HOLDING_KINDS,
    LockResult,
    RemoteFiles,
    Workspace,
    max_parallelism,
)

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.runner.record import RunRecord

#: Called with a progress message.
Progress = Callable[[str], None]
#: Called with the actions that need approval; returns True to go ahead.
Approve = Callable[[list[Action]], bool]


class NotDeployable(MlopsStacksError):
    """The bundle has resources of kinds the target's workspace cannot deploy yet."""


def _warn(result: ApplyResult, warn: Progress, message: str) -> None:
    """A deploy warning: in ``notes``, as a diagnostic in ``warnings``, and told to ``warn``."""
    from mlops_stacks.diagnostics import warning

    result.notes.append(message)
    result.warnings.append(warning(message))
    warn(message)


def check_deployable(bundle: Bundle, workspace: Workspace) -> None:
    """Raise ``NotDeployable`` naming every resource ``workspace`` cannot deploy.

    Runs before anything changes, so a deploy never stops half-way at a kind
    it does not know; ``plan`` shows the same list.
    """
    missing = undeployable(bundle, workspace)
    if not missing:
        return
    where = "the local workspace" if workspace.info().kind == "local" else "Databricks"
    listed = "\n".join(f"  resources.{kind}.{key}" for kind, key in missing)
    kinds = sorted({kind for kind, _ in missing})
    raise NotDeployable(
        f"mlops-stacks cannot deploy these resources to {where} yet "
        f"(kinds: {', '.join(kinds)}); nothing was changed:\n{listed}",
        hint="Remove them from this target (or move them to a target deployed with the "
             "Databricks CLI), then deploy again.",
    )


def undeployable(bundle: Bundle, workspace: Workspace) -> list[tuple[str, str]]:
    """``(kind, key)`` of every resource of a kind ``workspace`` cannot deploy."""
    kinds = workspace.deployable_kinds()
    return [(kind, key) for kind, key, _ in bundle.all_resources() if kind not in kinds]


class NotApproved(MlopsStacksError):
    """The user (or the lack of ``--auto-approve``) declined a destructive change."""


@dataclass
class ApplyResult:
    plan: Plan
    files: SyncPlan | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    """The warnings among ``notes`` (resources recreated, files not synced), as diagnostics."""
    done: dict[str, list[str]] = field(default_factory=dict)
    """op -> addresses actually applied."""

    def count(self, op: str) -> int:
        return len(self.done.get(op, []))

    def summary_line(self) -> str:
        return (f"Resources: {self.count(CREATE)} created, {self.count(UPDATE)} changed, "
                f"{self.count(DELETE)} deleted, {self.count(UNCHANGED)} unchanged")

    def to_dict(self) -> JsonObject:
        out: JsonObject = {
            "resources": {"created": self.count(CREATE), "changed": self.count(UPDATE),
                          "deleted": self.count(DELETE), "unchanged": self.count(UNCHANGED)},
            "actions": self.plan.to_dict()["actions"],
            "notes": self.notes,
            "diagnostics": [d.to_dict() for d in self.warnings],
        }
        if self.files is not None:
            out["files"] = {"uploaded": len(self.files.upload),
                            "deleted": len(self.files.delete),
                            "unchanged": len(self.files.unchanged)}
        return out


def data_holding(actions: list[Action]) -> list[Action]:
    """Deletions that would destroy data (experiments' runs, model versions)."""
    return [a for a in actions if a.op == DELETE and a.kind in DATA_HOLDING_KINDS]


def _lock_note(result: LockResult) -> str | None:
    if result.broken is None:
        return None
    why = ("its process is no longer running" if result.reason == "stale"
           else "--force-lock was given")
    return (f"Broke the deployment lock held by {result.broken.holder} since "
            f"{result.broken.since} ({why}).")


def apply_action(workspace: Workspace, state: DeploymentState, action: Action) -> None:
    """Carry out one action in the workspace and record it in ``state`` (not saved)."""
    deployed = change(workspace, state.ids, action, state)
    if deployed is None:
        state.remove(action.kind, action.key)
    else:
        state.put(action.kind, action.key, deployed)


def _apply_all(workspace: Workspace, state: DeploymentState, plan: Plan,
               result: ApplyResult, progress: Progress, parallelism: int) -> None:
    """``execute`` the plan; what was applied goes in ``result``, then failures are raised."""
    outcome = execute(workspace, state, plan, progress, parallelism)
    _fill(result, outcome)
    raise_failures(outcome)


def _fill(result: ApplyResult, outcome: Outcome) -> None:
    for op, addresses in outcome.done.items():
        result.done.setdefault(op, []).extend(addresses)
    for address, note in outcome.deferred.items():
        result.notes.append(note)
        result.done.setdefault("deferred", []).append(address)


def _approve(plan: Plan, approve: Approve | None) -> None:
    risky = data_holding(plan.actions)
    if risky and (approve is None or not approve(risky)):
        listed = ", ".join(f"{a.address} ({a.name or a.deployed.id if a.deployed else ''})"
                           for a in risky)
        raise NotApproved(
            f"Not deleting resources that hold data without approval: {listed}.",
            hint="Re-run with --auto-approve to delete them, or put them back in the bundle.",
        )


@contextmanager
def _locked(workspace: Workspace, force_lock: bool, result: ApplyResult,
            progress: Progress) -> Iterator[None]:
    """Hold the target's lock for the block (noting a broken lock); always release it."""
    lock = workspace.acquire_lock(force=force_lock)
    try:
        note = _lock_note(lock)
        if note:
            result.notes.append(note)
            progress(note)
        yield
    finally:
        workspace.release_lock(lock.lock)


def active_runs(workspace: Workspace) -> list[RunRecord]:
    """Runs of the target still going on this machine (local workspace; records whose
    process is gone are closed on the way, so they do not count)."""
    runs_dir = getattr(workspace, "runs_dir", None)
    if runs_dir is None:
        return []
    from mlops_stacks.runner import unfinished_runs

    return unfinished_runs(runs_dir)


def _runs_text(runs: list[RunRecord]) -> str:
    return ", ".join(f"{r.run_id} of {r.job_key}" for r in runs)


def deploy(
    bundle: Bundle,
    workspace: Workspace,
    *,
    force_lock: bool = False,
    approve: Approve | None = None,
    progress: Progress = lambda _msg: None,
    warn: Progress = lambda _msg: None,
    select: list[str] | None = None,
    saved_plan: JsonObject | None = None,
    parallelism: int | None = None,
) -> ApplyResult:
    """Deploy ``bundle`` to ``workspace``: files, then resources. See the module docstring.

    ``warn`` hears about resources deleted outside mlops-stacks (they are recreated).
    ``select`` limits the deploy to those resources and what they reference;
    ``saved_plan`` (``plan -o json``) is applied only if it is still exactly the plan.
    ``parallelism`` bounds the changes (and file uploads) in flight at once (default:
    ``MLOPS_STACKS_PARALLELISM``, else 10).
    """
    width = parallelism_from(parallelism)
    check_deployable(bundle, workspace)
    build_artifacts(bundle, progress)
    result = ApplyResult(plan=Plan([]))
    with _locked(workspace, force_lock, result, progress):
        wanted = desired_for(bundle, workspace, select)
        read_ahead(workspace, wanted.resources, wanted.selected)
        state = load_state(workspace, bundle.name, bundle.target)
        state.use_secrets(bundle_secrets(bundle.config))
        state.bundle, state.target = bundle.name, bundle.target
        result.plan = refreshed_plan(wanted.resources, state, workspace, wanted.selected)
        result.plan.kind_notes = wanted.kind_notes
        if saved_plan is not None:
            check_saved_plan(saved_plan, plan_basis(bundle, state, wanted), result.plan,
                             workspace.info().host)
        for message in result.plan.warnings:
            _warn(result, warn, message)
        running = active_runs(workspace)
        if running:
            message = (f"A run of target {bundle.target} is going on ({_runs_text(running)}): "
                       "its tasks that have not started yet will run the files deployed now.")
            _warn(result, warn, message)
        _approve(result.plan, approve)

        progress("Syncing files")
        files = _with_strays(plan_sync(bundle.sync_root, bundle.sync_settings(), state.files),
                             workspace)
        result.files = files
        for rel in files.skipped:
            _warn(result, warn, skipped_warning(rel))
        transfer_files(workspace, files, width)
        if files.upload or files.delete or state.files != files.hashes:
            state.files = files.hashes
            save_state(workspace, state)
        pause_point(0)

        _apply_all(workspace, state, result.plan, result, progress, width)
    return result


def destroy(
    bundle: Bundle,
    workspace: Workspace,
    *,
    force_lock: bool = False,
    approve: Approve | None = None,
    progress: Progress = lambda _msg: None,
    force: bool = False,
    warn: Progress = lambda _msg: None,
    parallelism: int | None = None,
) -> ApplyResult:
    """Delete every deployed resource, the synced files and the state of the target.

    ``approve`` is called with *all* deletions (not only data-holding ones).
    While a run of the target is going on, destroy refuses (its tasks would fail
    on deleted files) unless ``force``; then it warns.
    A deletion that fails does not stop the others, nor the removal of the files:
    ``DestroyIncomplete`` then lists what is left (kept in the state) and how to
    remove it.
    """
    width = parallelism_from(parallelism)
    result = ApplyResult(plan=Plan([]))
    running = active_runs(workspace)
    if running and not force:
        raise MlopsStacksError(
            f"A run of target {bundle.target} is going on ({_runs_text(running)}); "
            "destroy would delete the files and resources it is using.",
            hint=f"Cancel it (mlops-stacks runs cancel {running[0].run_id}) or wait for it "
            "to end; or destroy anyway with --force.",
        )
    if running:
        message = f"Destroying target {bundle.target} while {_runs_text(running)} is running."
        _warn(result, warn, message)
    with _locked(workspace, force_lock, result, progress):
        state = load_state(workspace, bundle.name, bundle.target)
        state.use_secrets(bundle_secrets(bundle.config))
        result.plan = compute_plan([], state)
        if result.plan.actions and (approve is None or not approve(result.plan.actions)):
            raise NotApproved(
                "Destroy was not approved; nothing was deleted.",
                hint="Re-run with --auto-approve to delete without asking.",
            )
        outcome = execute(workspace, state, result.plan, progress, width)
        _fill(result, outcome)
        progress("Deleting synced files")
        result.files = SyncPlan(delete=sorted(state.files))
        if outcome.failed:
            workspace.delete_all_files()
            state.files = {}
            save_state(workspace, state)
            _destroy_incomplete(bundle.target, outcome)
        workspace.delete_deployment()
    return result


class DestroyIncomplete(ApplyFailed):
    """Some deletions failed; the rest of the target (and its files) is gone."""


def _destroy_incomplete(target: str, outcome: Outcome) -> None:
    try:
        raise_failures(outcome, strict=True)
    except ApplyFailed as failed:
        left = ", ".join(failed.left)
        raise DestroyIncomplete(
            failed.message.replace("; the others were applied:",
                                   "; everything else was deleted, with the synced files:"),
            hint=f"Still deployed (kept in the deployment state): {left}. Fix the cause above "
            f"and run `mlops-stacks destroy -t {target}` again to delete them, or delete them "
            "in the workspace and run it again to forget them.",
            failures=failed.failures, left=failed.left,
        ) from None


def desired_for(bundle: Bundle, workspace: Workspace, select: list[str] | None = None) -> Desired:
    """The bundle's resources for ``workspace`` (which may skip kinds it cannot hold)."""
    return desired_resources(
        bundle, local_meanings=getattr(workspace, "local_meanings", None), select=select
    )


def preview(
    bundle: Bundle, workspace: Workspace, select: list[str] | None = None
) -> tuple[Plan, SyncPlan, DeploymentState]:
    """What ``deploy`` would do now (no lock, no changes): the plan and the file sync.

    Reads the workspace to notice resources deleted outside mlops-stacks (the
    plan's ``warnings``); the returned state is the one the plan was made from.
    The plan's ``basis`` (for ``deploy --plan``) is in ``plan.basis``.
    """
    wanted = desired_for(bundle, workspace, select)
    read_ahead(workspace, wanted.resources, wanted.selected)
    state = load_state(workspace, bundle.name, bundle.target)
    state.use_secrets(bundle_secrets(bundle.config))
    plan = refreshed_plan(wanted.resources, state, workspace, wanted.selected)
    plan.kind_notes = wanted.kind_notes
    plan.basis = plan_basis(bundle, state, wanted)
    files = _with_strays(plan_sync(bundle.sync_root, bundle.sync_settings(), state.files),
                         workspace)
    return plan, files, state


def transfer_files(workspace: Workspace, files: SyncPlan, parallelism: int) -> None:
    """Delete, then upload, what ``files`` says, ``parallelism`` files at once (the local
    workspace: one at a time). Every transfer is tried; the first failure is raised.

    On a workspace over the network (``RemoteFiles``), the record of the last upload is
    read while the new folders are made and the deletions go (these wait for the
    record), so the uploads start one round trip after the sync does; the folders the
    deletions left empty are removed at the end.
    """
    limit = max_parallelism(workspace)
    width = max(1, min(parallelism, limit) if limit else parallelism)
    first: list[Callable[[], None]] = [partial(workspace.delete_file, rel)
                                       for rel in files.delete]
    if isinstance(workspace, RemoteFiles) and (files.upload or files.delete):
        first = [workspace.load_sync_record, *first,
                 *(partial(workspace.make_folder, folder) for folder in files.new_folders())]
    _all_of(first, width)
    _all_of([partial(workspace.upload_file, rel, files.sources[rel]) for rel in files.upload],
            width)
    if isinstance(workspace, RemoteFiles):
        for level in files.gone_folders():
            _all_of([partial(workspace.remove_folder, folder) for folder in level], width)


def _all_of(work: list[Callable[[], None]], width: int) -> None:
    if width <= 1 or len(work) <= 1:
        for step in work:
            step()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="mlops-stacks-sync") as pool:
        done = [pool.submit(step) for step in work]
    errors = [err for err in (f.exception() for f in done) if err is not None]
    if errors:
        raise errors[0]


def _with_strays(files: SyncPlan, workspace: Workspace) -> SyncPlan:
    """``files`` also deleting the temp files a killed deploy left in the workspace (the
    local workspace finds them; other workspaces never hold any)."""
    strays = getattr(workspace, "stray_files", None)
    if strays is not None:
        files.delete = sorted({*files.delete, *strays()})
    return files
