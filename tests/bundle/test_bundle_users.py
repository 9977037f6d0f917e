"""Short names and the local user, as used by development mode."""

from __future__ import annotations

from mlops_stacks.bundle.steps.apply_presets import normalized_prefix
from mlops_stacks.bundle.users import complete_user, os_user, short_name


def test_short_name_is_the_normalised_local_part() -> None:
    assert short_name("Jane.Doe+ml@example.com") == "jane_doe_ml"
    assert short_name("root") == "root"
    assert short_name("Zoë") == "zoë"


def test_complete_user_keeps_a_given_short_name() -> None:
    assert complete_user({"userName": "a.b@x"}) == {"userName": "a.b@x", "short_name": "a_b"}
    assert complete_user({"userName": "a.b@x", "short_name": "ab"})["short_name"] == "ab"


def test_os_user_is_never_empty() -> None:
    user = os_user()
    assert user["userName"] and user["short_name"] == short_name(user["userName"])


def test_normalized_prefix() -> None:
    assert normalized_prefix("[dev jane_doe] ") == "dev_jane_doe_"
    assert normalized_prefix("ci-") == "ci_"
    assert normalized_prefix("") == ""
