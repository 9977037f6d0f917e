"""The dependency graph of a plan's actions, and a bounded-concurrency walk over it.

``dependencies`` says, for each action, which other actions of the same list
must finish first:

- creations and updates wait for what they reference: a
  ``${resources.<kind>.<key>.id}`` reference (``Action.refs``, read from the
  bundle before IDs were filled in), the name of a resource of a kind deployed
  earlier (``desired.DEPLOY_ORDER``: a job naming an experiment's path, an
  endpoint serving a registered model), or the schema a volume, model or monitor
  lives in (``catalog_name`` + ``schema_name``);
- deletions go the other way round: a resource is deleted before what it
  refers to (by an ID under an ``*_id`` key, or by name).

``walk`` runs the actions with at most ``parallelism`` at a time: an action
starts once everything it depends on is done. A failure (or a deferred
action) stops what depends on it, directly or not; everything else still runs.
A cycle (resources referring to each other's IDs) is broken in plan order.
"""

from __future__ import annotations

import concurrent.futures as futures
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from mlops_stacks.deploy.desired import identity, kind_rank
from mlops_stacks.deploy.plan import DELETE, Action
from mlops_stacks.errors import release_frames
from mlops_stacks.jsontypes import JsonMapping, JsonValue

#: Keys whose values are IDs of other resources (``job_id``, ``pipeline_id``, ...).
_ID_KEY_SUFFIX = "id"


def _leaves(value: JsonValue, key: str = "") -> Iterable[tuple[str, JsonValue]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _leaves(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def _config(action: Action) -> JsonMapping:
    if action.op == DELETE:
        return action.deployed.config if action.deployed is not None else {}
    return action.config or {}


def _uses(actions: Sequence[Action]) -> list[set[int]]:
    """For each action, the indexes of the actions its configuration refers to."""
    index = {(a.kind, a.key): i for i, a in enumerate(actions)}
    by_id = {str(a.deployed.id): i for i, a in enumerate(actions) if a.deployed is not None}
    names: list[tuple[tuple[int, str], str, int]] = []  # (kind rank, name, index)
    schemas: dict[tuple[str, str], int] = {}
    for i, a in enumerate(actions):
        cfg = _config(a)
        name = identity(a.kind, cfg)
        if name is not None:
            names.append((kind_rank(a.kind), name, i))
        if a.kind == "schemas" and cfg.get("catalog_name") and cfg.get("name"):
            schemas[(str(cfg["catalog_name"]), str(cfg["name"]))] = i
    out: list[set[int]] = []
    earlier_by_rank: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for i, a in enumerate(actions):
        cfg = _config(a)
        found = {index[ref] for ref in a.refs if ref in index}
        rank = kind_rank(a.kind)
        if rank not in earlier_by_rank:
            earlier_by_rank[rank] = [(name, j) for r, name, j in names if r < rank]
        earlier = earlier_by_rank[rank]
        for key, leaf in _leaves(cfg):
            if isinstance(leaf, str) and earlier:
                found.update(j for name, j in earlier if name in leaf)
            if key.endswith(_ID_KEY_SUFFIX) and isinstance(leaf, (str, int)) and (
                    not isinstance(leaf, bool)) and str(leaf) in by_id:
                found.add(by_id[str(leaf)])
        schema = (cfg.get("catalog_name"), cfg.get("schema_name"))
        if a.kind != "schemas" and schema in schemas:
            found.add(schemas[schema])
        found.discard(i)
        out.append(found)
    return out


def dependencies(actions: Sequence[Action]) -> list[set[int]]:
    """For each action (by index), the actions that must be done before it starts.

    ``actions`` are all deletions or all creations/updates (``apply`` walks the
    deletions first).
    """
    uses = _uses(actions)
    if not actions or actions[0].op != DELETE:
        return uses
    # Deletions: what refers to a resource goes first.
    after: list[set[int]] = [set() for _ in actions]
    for i, targets in enumerate(uses):
        for j in targets:
            after[j].add(i)
    return after


@dataclass
class Walk:
    """What happened to each action of a walk (indexes into the walked list)."""

    done: list[int] = field(default_factory=list)
    failed: dict[int, BaseException] = field(default_factory=dict)
    deferred: dict[int, BaseException] = field(default_factory=dict)
    blocked: dict[int, int] = field(default_factory=dict)
    """Not started: index -> the failed or deferred action it waited for."""


def walk(
    count: int,
    deps: Sequence[set[int]],
    work: Callable[[int], None],
    parallelism: int,
    *,
    is_deferred: Callable[[BaseException], bool] = lambda _e: False,
) -> Walk:
    """Run ``work(i)`` for ``i in range(count)`` over ``deps``; see the module docstring.

    Exceptions of ``work`` are collected in the result, never raised here
    (``KeyboardInterrupt`` stops new work, waits for what runs, and is raised).
    """
    result = Walk()
    waiting = {i: set(deps[i]) for i in range(count)}
    dependents: dict[int, list[int]] = {}
    for i, needs in waiting.items():
        for j in needs:
            dependents.setdefault(j, []).append(i)
    free = sorted(i for i, needs in waiting.items() if not needs)

    def settle(i: int, error: BaseException | None) -> None:
        if error is None:
            result.done.append(i)
            for d in dependents.get(i, []):
                if d in waiting:
                    waiting[d].discard(i)
                    if not waiting[d]:
                        free.append(d)
            return
        (result.deferred if is_deferred(error) else result.failed)[i] = error
        todo = list(dependents.get(i, []))
        while todo:
            d = todo.pop()
            if d in waiting:
                del waiting[d]
                result.blocked[d] = i
                todo.extend(dependents.get(d, []))

    def ready(busy: bool) -> list[int]:
        """Actions whose dependencies are all done (taken out of ``waiting``)."""
        found = sorted(i for i in free if i in waiting)
        free.clear()
        if not found and waiting and not busy:
            found = [min(waiting)]  # a cycle: break it in plan order
        for i in found:
            del waiting[i]
        return found

    def attempt(i: int) -> BaseException | None:
        try:
            work(i)
        except Exception as err:  # collected; the caller reports every failure
            return release_frames(err)  # not the answers of the failed requests
        return None

    if parallelism <= 1:  # in this thread, in plan order as far as the graph allows
        heap: list[int] = []
        while waiting or heap:
            for i in ready(bool(heap)):
                heapq.heappush(heap, i)
            i = heapq.heappop(heap)
            settle(i, attempt(i))
        return result
    running: dict[futures.Future[BaseException | None], int] = {}
    pool = futures.ThreadPoolExecutor(max_workers=parallelism,
                                      thread_name_prefix="mlops-stacks-apply")
    try:
        queue: list[int] = []
        while waiting or queue or running:
            for i in ready(bool(queue or running)):
                heapq.heappush(queue, i)
            while queue and len(running) < parallelism:
                i = heapq.heappop(queue)
                running[pool.submit(attempt, i)] = i
            if not running:
                continue
            finished, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
            for fut in finished:
                settle(running.pop(fut), fut.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return result
