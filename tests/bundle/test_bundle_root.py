"""Finding the bundle root: walking up, overrides, the one-subdirectory rule, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.bundle import find_bundle_root
from mlops_stacks.errors import ConfigError

BUNDLE = "bundle:\n  name: demo\n"


def test_walks_up_from_a_nested_directory(tmp_path: Path) -> None:
    (tmp_path / "databricks.yml").write_text(BUNDLE)
    nested = tmp_path / "training" / "notebooks"
    nested.mkdir(parents=True)
    assert find_bundle_root(cwd=nested, env={}) == tmp_path.resolve()


def test_databricks_yaml_spelling_is_found(tmp_path: Path) -> None:
    (tmp_path / "databricks.yaml").write_text(BUNDLE)
    assert find_bundle_root(cwd=tmp_path, env={}) == tmp_path.resolve()


def test_both_spellings_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "databricks.yaml").write_text(BUNDLE)
    (tmp_path / "databricks.yml").write_text(BUNDLE)
    with pytest.raises(ConfigError, match="both databricks.yml and databricks.yaml"):
        find_bundle_root(cwd=tmp_path, env={})


def test_env_overrides_the_working_directory(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "databricks.yml").write_text(BUNDLE)
    (tmp_path / "databricks.yml").write_text(BUNDLE)
    env = {"MLOPS_STACKS_BUNDLE_ROOT": str(other)}
    assert find_bundle_root(cwd=tmp_path, env=env) == other.resolve()


def test_root_argument_wins_over_env_and_accepts_the_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "databricks.yml").write_text(BUNDLE)
    env = {"MLOPS_STACKS_BUNDLE_ROOT": str(tmp_path / "missing")}
    assert find_bundle_root(tmp_path / "a", env=env) == (tmp_path / "a").resolve()
    assert find_bundle_root(tmp_path / "a" / "databricks.yml", env={}) == (tmp_path / "a").resolve()


def test_explicit_root_without_bundle_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no databricks.yml in"):
        find_bundle_root(tmp_path, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        find_bundle_root(env={"MLOPS_STACKS_BUNDLE_ROOT": str(tmp_path / "nope")}, cwd=tmp_path)


def test_single_subdirectory_bundle_is_used(tmp_path: Path) -> None:
    # mlops-stacks init OUT && cd OUT: the bundle is OUT/<package>/
    project = tmp_path / "my_project"
    project.mkdir()
    (project / "databricks.yml").write_text(BUNDLE)
    (tmp_path / "docs").mkdir()
    assert find_bundle_root(cwd=tmp_path, env={}) == project.resolve()


def test_several_subdirectory_bundles_is_an_error(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "databricks.yml").write_text(BUNDLE)
    with pytest.raises(ConfigError, match="several bundles below") as exc:
        find_bundle_root(cwd=tmp_path, env={})
    assert "a, b" in exc.value.message


def test_no_bundle_says_where_it_looked_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        find_bundle_root(cwd=tmp_path, env={})
    assert str(tmp_path.resolve()) in exc.value.message
    assert "parent directories" in exc.value.message
    assert "mlops-stacks init" in (exc.value.hint or "")
