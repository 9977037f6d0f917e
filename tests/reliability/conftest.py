"""Fixtures of the reliability suite: a bundle project with canary files around it.

The project lives at ``<tmp>/home/work/project``; canary files sit beside and above
it. ``canaries.assert_untouched()`` proves that nothing outside the bundle was
written, changed or deleted (every path under ``<tmp>`` outside the project is
compared with the snapshot taken before the test).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.bundle_project import make_project
from tests.reliability.hostile_server import HostileDatabricks


class Canaries:
    def __init__(self, top: Path, project: Path) -> None:
        self.top = top
        self.project = project
        for rel in ("canary.txt", "home/canary.txt", "home/work/canary.txt",
                    "home/OUTSIDE/files/keep.txt", "home/work/elsewhere/secret.txt"):
            path = top / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"canary {rel}\n")
        self.before = self.snapshot()

    def snapshot(self) -> dict[str, str]:
        """Every file and folder under the top folder, outside the project, with its hash."""
        out: dict[str, str] = {}
        for dirpath, dirs, names in os.walk(self.top):
            here = Path(dirpath)
            if here == self.project:
                dirs[:] = []
                continue
            for name in dirs:
                out[str((here / name).relative_to(self.top)) + "/"] = "dir"
            for name in names:
                path = here / name
                rel = str(path.relative_to(self.top))
                if path.is_symlink():
                    out[rel] = "link:" + os.readlink(path)
                else:
                    out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        return out

    def assert_untouched(self) -> None:
        after = self.snapshot()
        assert after == self.before, {
            "added": sorted(set(after) - set(self.before)),
            "removed": sorted(set(self.before) - set(after)),
            "changed": sorted(k for k in after if k in self.before and after[k] != self.before[k]),
        }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The demo bundle of the deploy tests, three folders below the top."""
    root = tmp_path / "home" / "work" / "project"
    root.mkdir(parents=True)
    return make_project(root)


@pytest.fixture
def canaries(tmp_path: Path, project: Path) -> Canaries:
    return Canaries(tmp_path, project)


@pytest.fixture
def hostile() -> Iterator[HostileDatabricks]:
    """A Databricks-like server whose answers a test can make hostile (hostile_server.py)."""
    srv = HostileDatabricks().start()
    try:
        yield srv
    finally:
        srv.stop()
