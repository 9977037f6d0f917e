"""LoadRootFile: the root file becomes the located tree; structural problems are errors."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps.load_root import LoadRootFile
from tests.bundle.bundle_testkit import make_context, plain


def test_root_file_is_read_with_locations(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, {"databricks.yml": """
        bundle:
          name: demo
        workspace:
          host: local
    """})
    diags = LoadRootFile().apply(ctx)
    assert not diags
    assert plain(ctx, "bundle", "name") == "demo"
    host = ctx.tree.at("workspace", "host")
    assert (host.loc.line, host.loc.column) == (4, 9)
    assert host.loc.file == str(tmp_path.resolve() / "databricks.yml")


def test_invalid_yaml_is_an_error_with_its_line(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, {"databricks.yml": "bundle:\n  name: [demo\n"})
    diags = LoadRootFile().apply(ctx)
    assert diags.has_errors()
    assert ctx.tree is None
    assert diags.errors[0].location.line >= 2


def test_missing_bundle_name_is_an_error(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, {"databricks.yml": "bundle:\n  uuid: x\n"})
    diags = LoadRootFile().apply(ctx)
    assert [d.summary for d in diags.errors] == ["bundle.name is not set"]
    assert diags.errors[0].location.line == 2  # the `bundle:` mapping


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, {"databricks.yml": "- a\n- b\n"})
    diags = LoadRootFile().apply(ctx)
    assert "must be a mapping" in diags.errors[0].summary
