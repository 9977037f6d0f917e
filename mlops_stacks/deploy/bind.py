"""Adopt an existing workspace resource into a target's state, or release it.

``bind``: the bundle's ``KIND.KEY`` takes over the resource with ID ``ID``
(checked to exist first); the next deploy updates it to the bundle's
configuration instead of creating a new one. ``unbind``: the state forgets
the resource and it stays in the workspace; remove it from the bundle and no
deploy touches it again (left in the bundle, the next deploy creates it anew,
or adopts it again when it can tell it is this target's, like a job carrying
the target's deployment metadata). Both hold the target's deployment lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_stacks.deploy.desired import desired_resources
from mlops_stacks.deploy.state import ResourceState, load_state, save_state
from mlops_stacks.errors import UsageError, WorkspaceError

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace


def parse_address(address: str) -> tuple[str, str]:
    kind, _, key = address.partition(".")
    if not kind or not key:
        raise UsageError(
            f"'{address}' is not a resource address.",
            hint="Write KIND.KEY, for example jobs.model_training_job.",
        )
    return kind, key


def _in_bundle(bundle: Bundle, kind: str, key: str) -> None:
    known = [(k, n) for k, n, _ in desired_resources(bundle).resources]
    if (kind, key) not in known:
        listed = ", ".join(f"{k}.{n}" for k, n in known) or "none"
        raise UsageError(
            f"{kind}.{key} is not a resource of target {bundle.target}.",
            hint=f"Resources: {listed}.",
        )


def bind(
    bundle: Bundle, workspace: Workspace, address: str, resource_id: str, *,
    force_lock: bool = False,
) -> str:
    """Record ``resource_id`` as the deployed ``address``; returns a one-line summary."""
    kind, key = parse_address(address)
    _in_bundle(bundle, kind, key)
    found = workspace.get_resource(kind, key, resource_id)
    if found is None:
        raise WorkspaceError(
            f"There is no {kind} with ID {resource_id} in {workspace.info().host}.",
            hint="Copy the ID from the workspace (the job ID in the job's URL, the pipeline "
            "ID, the model's full name, ...).",
        )
    lock = workspace.acquire_lock(force=force_lock)
    try:
        state = load_state(workspace, bundle.name, bundle.target)
        state.bundle, state.target = bundle.name, bundle.target
        current = state.get(kind, key)
        if current is not None and current.id != resource_id:
            raise WorkspaceError(
                f"{address} is already deployed as {current.id}.",
                hint=f"Release it first: mlops-stacks deployment unbind {address} "
                f"-t {bundle.target}",
            )
        name = found.get("name") if isinstance(found.get("name"), str) else None
        # An empty fingerprint: the next deploy updates the resource to the bundle's config.
        state.put(kind, key, ResourceState(id=resource_id, fingerprint="", config={}, name=name))
        save_state(workspace, state)
    finally:
        workspace.release_lock(lock.lock)
    return (f"Bound {address} to {resource_id}; the next deploy updates it to the bundle's "
            "configuration.")


def unbind(
    bundle: Bundle, workspace: Workspace, address: str, *, force_lock: bool = False
) -> str:
    """Forget ``address`` in the state (the resource stays); returns a one-line summary."""
    kind, key = parse_address(address)
    lock = workspace.acquire_lock(force=force_lock)
    try:
        state = load_state(workspace, bundle.name, bundle.target)
        current = state.get(kind, key)
        if current is None:
            raise UsageError(
                f"{address} is not deployed to target {bundle.target}; nothing to unbind.",
            )
        state.remove(kind, key)
        save_state(workspace, state)
    finally:
        workspace.release_lock(lock.lock)
    return (f"Unbound {address} ({current.id}); it stays in the workspace. Remove it from the "
            "bundle and deploys leave it alone.")
