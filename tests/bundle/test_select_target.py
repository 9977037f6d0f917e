"""SelectTarget: explicit, default, only target; the errors name what exists."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps.select_target import SelectTarget
from tests.bundle.bundle_testkit import loaded

TWO = """
bundle:
  name: demo
targets:
  dev:
    default: true
  staging:
    workspace:
      host: https://staging.example.com
"""


def select(tmp_path: Path, text: str, target: str | None = None):
    ctx, diags = loaded(tmp_path, {"databricks.yml": text}, target_arg=target)
    diags.extend(SelectTarget().apply(ctx))
    return ctx, diags


def test_explicit_target_wins_over_the_default(tmp_path: Path) -> None:
    ctx, diags = select(tmp_path, TWO, "staging")
    assert not diags and ctx.target == "staging"


def test_default_target_is_chosen(tmp_path: Path) -> None:
    ctx, diags = select(tmp_path, TWO)
    assert not diags and ctx.target == "dev"


def test_only_target_is_chosen_without_default(tmp_path: Path) -> None:
    ctx, diags = select(tmp_path, "bundle:\n  name: d\ntargets:\n  solo:\n    mode: development\n")
    assert not diags and ctx.target == "solo"


def test_no_targets_gives_the_implicit_default(tmp_path: Path) -> None:
    ctx, diags = select(tmp_path, "bundle:\n  name: d\n")
    assert not diags and ctx.target == "default"


def test_several_defaults_are_named_with_locations(tmp_path: Path) -> None:
    text = TWO.replace("  staging:\n", "  staging:\n    default: true\n")
    ctx, diags = select(tmp_path, text)
    (err,) = diags.errors
    assert err.summary == "more than one target is marked `default: true`: dev, staging"
    assert [loc.line for loc in err.locations] == [5, 7]
    assert ctx.target is None


def test_several_targets_without_default_is_an_error(tmp_path: Path) -> None:
    text = TWO.replace("    default: true\n", "    mode: development\n")
    ctx, diags = select(tmp_path, text)
    (err,) = diags.errors
    assert "none is marked `default: true`" in err.summary
    assert "dev, staging" in err.detail and "-t <target>" in err.detail


def test_unknown_target_lists_targets_and_suggests(tmp_path: Path) -> None:
    ctx, diags = select(tmp_path, TWO, "stagin")
    (err,) = diags.errors
    assert err.summary == 'unknown target "stagin"'
    assert err.detail == 'Targets defined: dev, staging. Did you mean "staging"?'
    assert err.location.line == 4
