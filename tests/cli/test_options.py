"""Shared option parsing: ``--var``/``--data`` pairs and ``--params`` with commas."""

from __future__ import annotations

import pytest

from mlops_stacks.cli.options import parse_job_params, parse_pairs
from mlops_stacks.errors import UsageError


def test_pairs_split_on_first_equals() -> None:
    assert parse_pairs(["a=1", "b=x=y", "c="], "--var") == {"a": "1", "b": "x=y", "c": ""}


@pytest.mark.parametrize("bad", ["novalue", "=1", " =1"])
def test_malformed_pair_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_pairs([bad], "--var")
    assert "--var expects key=value" in err.value.message


def test_params_accept_comma_separated_pairs() -> None:
    assert parse_job_params(["n_estimators=5,max_depth=1"]) == {
        "n_estimators": "5",
        "max_depth": "1",
    }
    assert parse_job_params(["a=1", "b=2,c=3"]) == {"a": "1", "b": "2", "c": "3"}


def test_params_keep_commas_inside_values() -> None:
    assert parse_job_params(["checks=r2_score>=0.8,rmse<=5"]) == {
        "checks": "r2_score>=0.8,rmse<=5"
    }
    assert parse_job_params(["cols=a,b,c", "x=1"]) == {"cols": "a,b,c", "x": "1"}


def test_params_without_a_pair_are_rejected() -> None:
    with pytest.raises(UsageError):
        parse_job_params(["just-text"])
