"""The release workflow (.github/workflows/release.yml) builds, checks and publishes mlops-stacks.

It passes actionlint, runs on version tags only, checks the built files before anything
is uploaded, and publishes with PyPI trusted publishing (an OIDC token, no API token).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mlops_stacks.scaffold.checks import actionlint_problems

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "release.yml"


def _load() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_release_workflow_passes_actionlint() -> None:
    assert actionlint_problems([WORKFLOW]) == []


def test_it_runs_on_version_tags_only() -> None:
    assert _load()["on"] == {"push": {"tags": ["v*"]}}


def test_build_checks_the_files_before_publish_uploads_them() -> None:
    jobs = _load()["jobs"]
    runs = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "python -m build" in runs  # the sdist and the wheel
    assert "twine check --strict dist/*" in runs
    assert 'pip" install dist/*.whl' in runs and "mlops-stacks\" init --defaults" in runs
    assert "${TAG#v}" in runs  # the tag must be the package version
    assert jobs["publish"]["needs"] == "build"


def test_publish_uses_trusted_publishing_in_an_environment() -> None:
    data = _load()
    publish = data["jobs"]["publish"]
    assert data["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert uses[-1] == "pypa/gh-action-pypi-publish@release/v1"
    # No API token: trusted publishing needs none, and none is passed.
    assert "password" not in WORKFLOW.read_text() and "secrets." not in WORKFLOW.read_text()
