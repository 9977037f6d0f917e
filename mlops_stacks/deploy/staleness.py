"""Is the deployed copy of a bundle current? Checked before ``run``.

A run uses the deployed files and job definitions, not the project folder.
``check_deployed`` compares the two (files by content hash, resources by
their config fingerprint, no writes and no workspace look-ups beyond the
state) and returns a warning ``Diagnostic`` naming what differs, or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_stacks.diagnostics import Diagnostic, warning

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace

#: How many file names the warning lists before "and N more".
SHOWN = 5


@dataclass
class Staleness:
    """What differs between the project and its deployed copy."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    """``kind.key`` of resources whose deployed config differs (or are not deployed)."""
    never_deployed: bool = False

    @property
    def stale(self) -> bool:
        return bool(self.changed or self.added or self.deleted or self.resources)

    def files(self) -> list[str]:
        return sorted(self.changed + self.added + self.deleted)


def compare(bundle: Bundle, workspace: Workspace) -> Staleness:
    """Compare the project folder and the bundle's resources with the deployed state."""
    from mlops_stacks.deploy.plan import UNCHANGED, compute_plan
    from mlops_stacks.deploy.state import load_state
    from mlops_stacks.deploy.sync import plan_sync

    state = load_state(workspace, bundle.name, bundle.target)
    if not state.files and not state.resources:
        return Staleness(never_deployed=True)
    files = plan_sync(bundle.sync_root, bundle.sync_settings(), state.files)
    out = Staleness(deleted=list(files.delete))
    for rel in files.upload:
        (out.changed if rel in state.files else out.added).append(rel)
    plan = compute_plan(bundle.all_resources(), state)
    out.resources = [f"{a.kind}.{a.key}" for a in plan.actions if a.op != UNCHANGED]
    return out


def check_deployed(bundle: Bundle, workspace: Workspace, job_key: str) -> Diagnostic | None:
    """A warning when ``run job_key`` would use files or settings older than the project's."""
    found = compare(bundle, workspace)
    if not found.stale:
        return None
    names = [f"{p} (changed)" for p in found.changed] + [f"{p} (new)" for p in found.added] + [
        f"{p} (deleted)" for p in found.deleted] + [f"{r} (resource)" for r in found.resources]
    listed = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more"
                                          if len(names) > SHOWN else "")
    return warning(
        f"The project differs from what is deployed to target '{bundle.target}': {listed}. "
        "This run uses the deployed copy.",
        detail=f"Run `mlops-stacks deploy -t {bundle.target}` first, or "
        f"`mlops-stacks run {job_key} -t {bundle.target} --deploy` to deploy and run in one step.",
    )


__all__ = ["Staleness", "check_deployed", "compare"]
