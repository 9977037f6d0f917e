"""ProcessIncludes: globs relative to the root file, located values, duplicates."""

from __future__ import annotations

from pathlib import Path

from tests.bundle.bundle_testkit import loaded, plain

ROOT = """
bundle:
  name: demo
include:
  - resources/*.yml
"""


def test_included_resources_keep_their_own_locations(tmp_path: Path) -> None:
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": ROOT,
        "resources/jobs.yml": """
            resources:
              jobs:
                train:
                  name: train
        """,
    })
    assert not diags
    name = ctx.tree.at("resources", "jobs", "train", "name")
    assert name.value == "train"
    assert name.loc.file == str((tmp_path / "resources" / "jobs.yml").resolve())
    assert (name.loc.line, name.loc.column) == (4, 13)
    assert ctx.tree.get("include") is None


def test_included_files_may_define_variables_and_targets(tmp_path: Path) -> None:
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": ROOT + "targets:\n  dev:\n    default: true\n",
        "resources/vars.yml": """
            variables:
              catalog:
                default: main
            targets:
              dev:
                workspace:
                  host: local
              prod:
                workspace:
                  host: https://prod.example.com
        """,
    })
    assert not diags
    assert plain(ctx, "variables", "catalog", "default") == "main"
    assert plain(ctx, "targets", "dev") == {"default": True, "workspace": {"host": "local"}}
    assert plain(ctx, "targets", "prod", "workspace", "host") == "https://prod.example.com"


def test_glob_matching_nothing_is_fine(tmp_path: Path) -> None:
    _, diags = loaded(tmp_path, {"databricks.yml": ROOT})
    assert not diags


def test_missing_literal_path_is_an_error_at_the_entry(tmp_path: Path) -> None:
    root = ROOT.replace("resources/*.yml", "resources/jobs.yml")
    _, diags = loaded(tmp_path, {"databricks.yml": root})
    (err,) = diags.errors
    assert err.summary == 'include "resources/jobs.yml" does not match any files'
    assert (err.location.line, err.location.column) == (4, 5)


def test_duplicate_resource_key_across_files_names_both(tmp_path: Path) -> None:
    job = "resources:\n  jobs:\n    train:\n      name: {}\n"
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": ROOT,
        "resources/a.yml": job.format("a"),
        "resources/b.yml": job.format("b"),
    })
    (err,) = diags.errors
    assert err.summary == "resource jobs.train is defined in more than one file"
    files = [Path(loc.file).name for loc in err.locations]
    assert files == ["b.yml", "a.yml"]
    assert plain(ctx, "resources", "jobs", "train", "name") == "a"


def test_duplicate_between_root_and_include(tmp_path: Path) -> None:
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": ROOT + "resources:\n  jobs:\n    train:\n      name: root\n",
        "resources/a.yml": "resources:\n  jobs:\n    train:\n      name: a\n",
    })
    assert "more than one file" in diags.errors[0].summary
    assert Path(diags.errors[0].locations[1].file).name == "databricks.yml"


def test_include_inside_an_included_file_is_an_error(tmp_path: Path) -> None:
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": ROOT,
        "resources/a.yml": "include:\n  - other.yml\n",
    })
    assert "only allowed in the bundle's root file" in diags.errors[0].summary


def test_yaml_errors_in_included_files_point_at_them(tmp_path: Path) -> None:
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": ROOT,
        "resources/a.yml": "resources:\n\tjobs: {}\n",
    })
    assert Path(diags.errors[0].location.file).name == "a.yml"


def test_explicit_file_list_and_recursive_glob(tmp_path: Path) -> None:
    ctx, diags = loaded(tmp_path, {
        "databricks.yml": "bundle:\n  name: d\ninclude:\n  - conf/**/*.yml\n",
        "conf/x/deep.yml": "resources:\n  experiments:\n    e:\n      name: /Shared/e\n",
    })
    assert not diags
    assert plain(ctx, "resources", "experiments", "e", "name") == "/Shared/e"
