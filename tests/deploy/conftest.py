"""Fixtures for deploy tests: a small bundle project in a real git repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.bundle_project import make_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "demo")


@pytest.fixture
def jobs_project(tmp_path: Path) -> Path:
    """A project with jobs only: deploying it needs no MLflow (fast)."""
    return make_project(tmp_path / "demo", ml_artifacts=False)
