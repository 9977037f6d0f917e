"""CheckArtifacts: artifact entries checked at validate as the Databricks CLI checks them."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle import load_bundle
from tests.bundle.bundle_testkit import write_files
from tests.deploy.bundle_project import DATABRICKS_YML

ARTIFACTS = """\
artifacts:
  empty:
  nothing:
    path: .
  prebuilt:
    files:
      - source: dist/*.whl
      - source: "dist/a[.whl"
      - source: vendor/lib.jar
  built:
    build: python -m build --wheel
    files:
      - source: dist/not-yet-*.whl
  wheel:
    type: whl
"""


def test_artifacts_without_a_build_need_their_files(tmp_path: Path) -> None:
    root = DATABRICKS_YML.replace("include:\n  - resources/*.yml\n", "")
    write_files(tmp_path, {"databricks.yml": root + ARTIFACTS,
                           "dist/pkg-0.1-py3-none-any.whl": "x"})
    _, diags = load_bundle(tmp_path, env={})
    assert [(d.summary, d.path) for d in diags.errors] == [
        ("artifact empty has no settings", "artifacts.empty"),
        ("artifact nothing has neither build nor files", "artifacts.nothing"),
        ("dist/a[.whl: invalid pattern (a [ without ])", "artifacts.prebuilt.files[1].source"),
        ("vendor/lib.jar: no matching files", "artifacts.prebuilt.files[2].source"),
    ]
