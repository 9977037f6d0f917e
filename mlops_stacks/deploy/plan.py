"""Plan a deployment: the bundle's resources (desired) against the state (deployed).

Each resource gets one action: ``create`` (not deployed yet), ``update``
(deployed with a different configuration; ``changes`` lists the fields),
``delete`` (deployed but no longer in the bundle) or ``unchanged``.
``compute_plan`` only reads the state, never the workspace; ``refresh.py``
first drops from the state what was deleted outside mlops-stacks.

``${resources.<kind>.<key>.id}`` references (deploy-time IDs the bundle loader
leaves in place) are filled in from the state; a reference to a resource that
is not deployed yet is filled in at apply time, right before it is needed.

Order of execution: deletions first (jobs before the experiments and models
they use), then creations and updates in ``desired.DEPLOY_ORDER``
(experiments and models before the jobs that refer to them; within a kind,
resources waiting for a new resource's ID last).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mlops_stacks.deploy.desired import kind_rank, references
from mlops_stacks.deploy.diff import Change, diff
from mlops_stacks.deploy.state import DeploymentState, ResourceState
from mlops_stacks.jsontypes import JsonObject, JsonValue

CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"

_REF = re.compile(r"\$\{resources\.([A-Za-z0-9_]+)\.([A-Za-z0-9_\-]+)\.id\}")


#: Fields the workspace APIs type as integers (``run_job_task.job_id``): an ID filled in
#: there (IDs are strings) is sent as a number when it is one.
INTEGER_ID_FIELDS = frozenset({"job_id"})
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def resolve_ids(value: JsonValue, ids: Mapping[tuple[str, str], str]) -> JsonValue:
    """``value`` with every known ``${resources.<kind>.<key>.id}`` replaced by its ID.

    Under an ``INTEGER_ID_FIELDS`` key a whole-number string becomes an ``int``
    (``job_id: ${resources.jobs.x.id}`` -> ``job_id: 123``), so plan and apply
    agree on the value the workspace is sent.
    """
    if isinstance(value, str):
        if "${resources." not in value:
            return value
        return _REF.sub(lambda m: ids.get((m.group(1), m.group(2)), m.group(0)), value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = resolve_ids(v, ids)
            if k in INTEGER_ID_FIELDS and isinstance(v, str) and _WHOLE_NUMBER.fullmatch(v):
                v = int(v)
            out[k] = v
        return out
    if isinstance(value, list):
        return [resolve_ids(v, ids) for v in value]
    return value


def has_unresolved_ids(value: JsonValue) -> bool:
    if isinstance(value, str):
        return bool(_REF.search(value))
    if isinstance(value, dict):
        return any(has_unresolved_ids(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unresolved_ids(v) for v in value)
    return False


@dataclass
class Action:
    op: str
    kind: str
    key: str
    config: JsonObject | None = None
    """Desired configuration (``None`` for a deletion)."""
    deployed: ResourceState | None = None
    """What the state says is deployed (``None`` for a creation)."""
    changes: list[Change] = field(default_factory=list)
    refs: frozenset[tuple[str, str]] = frozenset()
    """``(kind, key)`` of what its bundle configuration references (``${resources...}``)."""

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"

    @property
    def name(self) -> str | None:
        """The display name: what the workspace calls it for deletions, else the config's."""
        if self.op == DELETE and self.deployed is not None and self.deployed.name:
            return self.deployed.name
        cfg = self.config if self.config is not None else (
            self.deployed.config if self.deployed else {})
        name = cfg.get("name") if isinstance(cfg, dict) else None
        return str(name) if name is not None else None

    def to_dict(self) -> JsonObject:
        out: JsonObject = {"action": self.op, "kind": self.kind, "key": self.key,
                               "name": self.name}
        if self.deployed is not None:
            out["id"] = self.deployed.id
        if self.op == UPDATE:
            out["changes"] = [c.to_dict() for c in self.changes]
        return out


@dataclass
class Plan:
    actions: list[Action]
    warnings: list[str] = field(default_factory=list)
    """Things the user should know, e.g. resources deleted outside mlops-stacks."""
    kind_notes: list[str] = field(default_factory=list)
    """Per kind, its meaning on the local workspace or that it is skipped there."""
    basis: JsonObject | None = None
    """What the plan was made from (``saved_plan.plan_basis``), for ``deploy --plan``."""

    def of(self, op: str) -> list[Action]:
        return [a for a in self.actions if a.op == op]

    @property
    def counts(self) -> dict[str, int]:
        return {op: len(self.of(op)) for op in (CREATE, UPDATE, DELETE, UNCHANGED)}

    @property
    def has_changes(self) -> bool:
        return any(a.op != UNCHANGED for a in self.actions)

    def summary_line(self) -> str:
        c = self.counts
        return (f"Plan: {c[CREATE]} to add, {c[UPDATE]} to change, {c[DELETE]} to delete, "
                f"{c[UNCHANGED]} unchanged")

    def to_dict(self) -> JsonObject:
        return {"actions": [a.to_dict() for a in self.actions],
                "warnings": list(self.warnings),
                "kinds": list(self.kind_notes),
                **({"basis": self.basis} if self.basis is not None else {}),
                "summary": {"add": self.counts[CREATE], "change": self.counts[UPDATE],
                            "delete": self.counts[DELETE], "unchanged": self.counts[UNCHANGED]}}


def _kind_rank(kind: str) -> tuple[int, str]:
    return kind_rank(kind)


def compute_plan(
    desired: Iterable[tuple[str, str, JsonObject]],
    state: DeploymentState,
    selected: set[tuple[str, str]] | None = None,
) -> Plan:
    """Compare ``(kind, key, config)`` resources with ``state``; see the module docstring.

    With ``selected``, only those resources are planned and nothing is deleted.
    """
    ids = state.ids()
    wanted: dict[tuple[str, str], JsonObject] = {}
    refs: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}
    for kind, key, config in desired:
        if selected is None or (kind, key) in selected:
            wanted[(kind, key)] = resolve_ids(config or {}, ids)
            refs[(kind, key)] = frozenset(references(config or {}))

    deletes = [
        Action(DELETE, kind, key, None, res)
        for kind, key, res in state.all()
        if (kind, key) not in wanted and selected is None
    ]
    deletes.sort(key=lambda a: a.key)
    deletes.sort(key=lambda a: _kind_rank(a.kind), reverse=True)  # stable: keys stay sorted

    others: list[Action] = []
    for (kind, key), config in wanted.items():
        deployed = state.get(kind, key)
        if deployed is None:
            action = Action(CREATE, kind, key, config)
        elif deployed.fingerprint == state.fingerprint(config):
            action = Action(UNCHANGED, kind, key, config, deployed)
        else:
            hide = state.hider()
            changes = diff(hide.sealed(deployed.config), hide.sealed(config))
            action = Action(UPDATE, kind, key, config, deployed, changes)
        action.refs = refs[(kind, key)]
        others.append(action)
    # Within a kind, resources that refer to IDs not known yet come after the others,
    # so the IDs they need usually exist by the time they are applied.
    others.sort(key=lambda a: (_kind_rank(a.kind), has_unresolved_ids(a.config), a.key))
    return Plan(deletes + others)
