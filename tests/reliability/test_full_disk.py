"""A full disk during the first deploy (a small tmpfs): the deploy fails saying the disk is
full, leaves no half-made MLflow store, and once space is freed the next deploy works."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, make_project

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def test_a_full_disk_during_the_first_deploy_is_said_and_the_next_deploy_converges(
    small_disk: Path,
) -> None:
    project = make_project(small_disk / "demo")
    filler = _fill(small_disk, leave=96 * 1024)
    failed = cli(project, "deploy", "--auto-approve")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr
    assert "disk (or your quota) is full" in failed.stderr, failed.stderr
    store = project / ".mlops-stacks" / "local" / "mlflow" / "mlflow.db"
    assert not store.exists() or store.stat().st_size > 0
    filler.unlink()
    ok = cli(project, "deploy", "--auto-approve")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert os.path.getsize(store) > 0
