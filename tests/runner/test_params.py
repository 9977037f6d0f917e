"""Job parameters and {{...}} dynamic value references."""

from __future__ import annotations

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner.condition import evaluate
from mlops_stacks.runner.params import (
    RefContext,
    ReferenceError_,
    check_static_references,
    job_parameters,
)

JOB = {"parameters": [{"name": "env", "default": "dev"}, {"name": "n", "default": 3}]}


def test_params_override_declared_defaults() -> None:
    assert job_parameters(JOB, None, "j") == {"env": "dev", "n": "3"}
    assert job_parameters(JOB, {"n": "5"}, "j") == {"env": "dev", "n": "5"}


def test_unknown_param_names_the_valid_ones() -> None:
    with pytest.raises(RunError) as err:
        job_parameters(JOB, {"nn": "1"}, "train")
    assert err.value.message == "Job 'train' has no parameter 'nn'. Valid parameters: env, n."
    with pytest.raises(RunError, match="declares no parameters"):
        job_parameters({}, {"x": "1"}, "train")


def _ctx() -> RefContext:
    return RefContext(
        job_id="42",
        job_name="Train job",
        run_id="r-1",
        start_time=1_700_000_000.0,  # 2023-11-14T22:13:20Z, a Tuesday
        parameters={"env": "dev"},
        task_values={"Train": {"uri": "models:/m/1", "meta": {"a": 1}}},
        task_states={"Train": "SUCCESS"},
    )


def test_references_are_substituted_in_nested_values() -> None:
    value = {
        "a": "{{job.parameters.env}}-{{ job.id }}-{{job.run_id}}-{{task.name}}",
        "b": ["{{tasks.Train.values.uri}}", "{{tasks.Train.values.meta}}"],
        "c": "{{job.start_time.iso_date}} {{job.start_time.timestamp_ms}} {{job.name}}",
        "d": "{{tasks.Train.result_state}} {{job.start_time.is_weekday}} no ref",
    }
    assert _ctx().substitute(value, "Validate") == {
        "a": "dev-42-r-1-Validate",
        "b": ["models:/m/1", '{"a": 1}'],
        "c": "2023-11-14 1700000000000 Train job",
        "d": "success true no ref",
    }


@pytest.mark.parametrize(
    "ref,fragment",
    [
        ("{{job.parameters.nope}}", "names no job parameter"),
        (
            "{{tasks.Train.values.missing}}",
            "has not set a task value 'missing' (it set: uri, meta)",
        ),
        ("{{tasks.Other.values.x}}", "task 'Other' has not set"),
        ("{{job.start_time.century}}", "no field 'century'"),
        ("{{secrets.x}}", "unknown dynamic value reference"),
    ],
)
def test_bad_references_say_what_is_wrong(ref: str, fragment: str) -> None:
    with pytest.raises(ReferenceError_, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        _ctx().substitute(ref, "T")


def test_static_reference_check_before_the_run() -> None:
    check_static_references("T", {"x": "{{job.parameters.env}}"}, {"env": "dev"}, {"T"})
    with pytest.raises(RunError, match="no parameter 'envv'"):
        check_static_references("T", {"x": "{{job.parameters.envv}}"}, {"env": "dev"}, {"T"})
    with pytest.raises(RunError, match="no task 'Trian'"):
        check_static_references("T", ["{{tasks.Trian.values.uri}}"], {}, {"T", "Train"})


@pytest.mark.parametrize(
    "op,left,right,expected",
    [
        ("EQUAL_TO", "abc", "abc", True),
        ("EQUAL_TO", "1.0", "1", True),
        ("NOT_EQUAL", "a", "b", True),
        ("GREATER_THAN", "10", "9", True),
        ("GREATER_THAN_OR_EQUAL", "9", "9", True),
        ("LESS_THAN", "0.5", "0.25", False),
        ("LESS_THAN_OR_EQUAL", "-1", "0", True),
        ("EQUAL_TO", True, "true", True),
    ],
)
def test_condition_ops(op: str, left: object, right: object, expected: bool) -> None:
    assert evaluate(op, left, right) is expected


def test_condition_errors() -> None:
    with pytest.raises(ValueError, match="compares numbers"):
        evaluate("GREATER_THAN", "abc", "1")
    with pytest.raises(ValueError, match="valid ops"):
        evaluate("ROUGHLY", "1", "1")
