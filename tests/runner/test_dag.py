"""The task graph: order, bad references, cycles, --only and run_if decisions."""

from __future__ import annotations

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner.dag import build_graph, decide, select


def _task(key: str, *deps: str, **extra: object) -> dict:
    return {
        "task_key": key,
        "notebook_task": {"notebook_path": "/x"},
        "depends_on": [{"task_key": d} for d in deps],
        **extra,
    }


def test_order_respects_dependencies_and_declaration_order() -> None:
    graph = build_graph([_task("c", "b"), _task("a"), _task("b", "a"), _task("d")])
    assert graph.order == ["a", "d", "b", "c"]
    assert graph.dependents("a") == ["b"]


def test_cycle_is_reported_with_its_path() -> None:
    with pytest.raises(RunError) as err:
        build_graph([_task("a", "c"), _task("b", "a"), _task("c", "b"), _task("d")], "j")
    assert "cycle" in err.value.message
    assert "a -> c -> b -> a" in err.value.message or "c -> b -> a -> c" in err.value.message


@pytest.mark.parametrize(
    "tasks,fragment",
    [
        ([_task("a", "zzz")], "unknown task 'zzz'"),
        ([_task("a"), _task("a")], "two tasks with task_key 'a'"),
        ([{"notebook_task": {}}], "has no task_key"),
        ([_task("a", run_if="SOMETIMES")], "run_if 'SOMETIMES'"),
        ([_task("a"), {"task_key": "b", "depends_on": [{"task_key": "a", "outcome": "true"}]}],
         "not a condition task"),
        ([], "has no tasks"),
    ],
)  # fmt: skip
def test_bad_graphs_are_refused(tasks: list, fragment: str) -> None:
    with pytest.raises(RunError, match=fragment):
        build_graph(tasks)


def test_only_accepts_lists_and_commas_and_names_unknown_tasks() -> None:
    graph = build_graph([_task("a"), _task("b"), _task("c")])
    assert select(graph, None) == {"a", "b", "c"}
    assert select(graph, ["a,c"]) == {"a", "c"}
    with pytest.raises(RunError) as err:
        select(graph, ["a", "x"])
    assert "x" in err.value.message and "a, b, c" in (err.value.hint or "")


@pytest.mark.parametrize(
    "run_if,states,expected",
    [
        ("ALL_SUCCESS", ["SUCCESS", "SUCCESS"], None),
        ("ALL_SUCCESS", ["SUCCESS", "FAILED"], "SKIPPED"),
        ("ALL_SUCCESS", ["SUCCESS", "EXCLUDED"], "EXCLUDED"),
        ("ALL_SUCCESS", ["SKIPPED", "SUCCESS"], "SKIPPED"),
        ("AT_LEAST_ONE_SUCCESS", ["FAILED", "SUCCESS"], None),
        ("AT_LEAST_ONE_SUCCESS", ["FAILED", "FAILED"], "SKIPPED"),
        ("NONE_FAILED", ["SUCCESS", "EXCLUDED"], None),
        ("NONE_FAILED", ["SUCCESS", "FAILED"], "SKIPPED"),
        ("ALL_DONE", ["FAILED", "SKIPPED"], None),
        ("AT_LEAST_ONE_FAILED", ["SUCCESS", "FAILED"], None),
        ("AT_LEAST_ONE_FAILED", ["SUCCESS", "SUCCESS"], "SKIPPED"),
        ("ALL_FAILED", ["FAILED", "FAILED"], None),
        ("ALL_FAILED", ["FAILED", "SUCCESS"], "SKIPPED"),
    ],
)
def test_run_if(run_if: str, states: list[str], expected: str | None) -> None:
    graph = build_graph([_task("x"), _task("y"), _task("t", "x", "y", run_if=run_if)])
    verdict, reason = decide(graph.nodes["t"], {"x": states[0], "y": states[1]}, {})
    assert verdict == expected
    assert bool(reason) == (expected is not None)


def test_condition_outcome_and_only_selection() -> None:
    graph = build_graph(
        [
            {"task_key": "c", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}},
            {"task_key": "yes", "depends_on": [{"task_key": "c", "outcome": "true"}]},
            {"task_key": "no", "depends_on": [{"task_key": "c", "outcome": "false"}]},
        ]
    )
    states, results = {"c": "SUCCESS"}, {"c": "true"}
    assert decide(graph.nodes["yes"], states, results) == (None, "")
    assert decide(graph.nodes["no"], states, results)[0] == "EXCLUDED"
    # A dependency outside --only is treated as done earlier.
    assert decide(graph.nodes["no"], {"c": "EXCLUDED"}, {}, selected={"no"}) == (None, "")
