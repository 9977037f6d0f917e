"""The local ``dbutils.widgets``: choice widgets, defaults and parameters."""

from __future__ import annotations

import pytest

from mlops_stacks.runner.dbutils import InputWidgetNotDefined, Widgets


def test_dropdown_default_must_be_one_of_its_choices() -> None:
    widgets = Widgets({})
    with pytest.raises(ValueError, match="'c' of dropdown widget 'w' is not one of"):
        widgets.dropdown("w", "c", ["a", "b"])
    with pytest.raises(InputWidgetNotDefined):
        widgets.get("w")
    widgets.dropdown("w", "b", ["a", "b"])
    assert widgets.get("w") == "b"


@pytest.mark.parametrize("kind", ["combobox", "multiselect"])
def test_combobox_and_multiselect_take_any_default_and_parameters_win(kind: str) -> None:
    widgets = Widgets({"given": "from-job"})
    define = getattr(widgets, kind)
    define("free", "not-a-choice", ["a", "b"])
    define("given", "a", ["a", "b"], label="Given")
    assert widgets.get("free") == "not-a-choice"
    assert widgets.get("given") == "from-job"
    assert widgets.getAll() == {"free": "not-a-choice", "given": "from-job"}
