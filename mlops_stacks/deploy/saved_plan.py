"""Saved plans: ``plan -o json > plan.json``, then ``deploy --plan plan.json``.

A saved plan carries its ``basis``: the bundle, target, host, the state's
serial and a fingerprint of the desired resources. ``deploy --plan`` recomputes
the plan under the deployment lock and applies it only when the basis and the
list of actions are exactly those saved; otherwise it refuses, because the
target (or the bundle) changed since the plan was made.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.deploy.state import fingerprint
from mlops_stacks.errors import MlopsStacksError, UsageError
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.deploy.desired import Desired
    from mlops_stacks.deploy.plan import Plan
    from mlops_stacks.deploy.state import DeploymentState


class PlanOutdated(MlopsStacksError):
    """The saved plan no longer describes what a deploy would do."""


def plan_basis(bundle: Bundle, state: DeploymentState, desired: Desired) -> JsonObject:
    return {
        "bundle": bundle.name,
        "target": bundle.target,
        "host": bundle.host,
        "state_serial": state.serial,
        "resources": fingerprint([list(r) for r in desired.resources]),
        "select": sorted(f"{k}.{n}" for k, n in desired.selected) if desired.selected else None,
    }


def _steps(actions: JsonValue) -> list[tuple[str, str, str]]:
    return [(str(a.get("action")), str(a.get("kind")), str(a.get("key"))) for a in actions or []]


def read_saved_plan(path: Path) -> JsonObject:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"Cannot read the saved plan {path}: {exc}.",
            hint="Write one with `mlops-stacks plan -t TARGET -o json > plan.json`.",
        ) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("basis"), Mapping):
        raise UsageError(
            f"{path} is not a plan saved by `mlops-stacks plan -o json`.",
            hint="Write one with `mlops-stacks plan -t TARGET -o json > plan.json`.",
        )
    return dict(data)


def check_saved_plan(
    saved: JsonMapping, basis: JsonMapping, plan: Plan, where: str
) -> None:
    """Raise ``PlanOutdated`` unless ``plan`` and ``basis`` are the saved ones."""
    old = saved.get("basis") or {}
    redo = f"Make a new plan: mlops-stacks plan -t {basis.get('target')} -o json > plan.json"
    for field, what in (("bundle", "bundle"), ("target", "target"), ("host", "workspace host")):
        if old.get(field) != basis.get(field):
            raise PlanOutdated(
                f"The saved plan is for {what} {old.get(field)!r}, not {basis.get(field)!r}.",
                hint=redo,
            )
    if old.get("state_serial") != basis.get("state_serial"):
        raise PlanOutdated(
            f"Target {basis.get('target')} changed since the plan was saved: its state on {where} "
            f"is at deployment {basis.get('state_serial')}, the plan was made at "
            f"{old.get('state_serial')}. Nothing was deployed.",
            hint=redo,
        )
    if old.get("resources") != basis.get("resources") or old.get("select") != basis.get("select"):
        raise PlanOutdated(
            "The bundle's resources changed since the plan was saved. Nothing was deployed.",
            hint=redo,
        )
    now = [(a.op, a.kind, a.key) for a in plan.actions]
    if _steps(saved.get("actions")) != now:
        raise PlanOutdated(
            f"Target {basis.get('target')} changed since the plan was saved (resources were "
            "changed or deleted outside mlops-stacks). Nothing was deployed.",
            hint=redo,
        )
