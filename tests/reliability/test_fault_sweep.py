"""The Databricks fault sweep: each write of a generated project's deploy is applied and
then its connection drops, or it is answered 500. Then a deploy on a well-behaved
workspace must converge with no duplicates, and destroy must leave nothing behind.

The writes are the deploy's own (found by a clean deploy first): every resource write
(creates, permissions, grants), plus the lock, the first folder, the first and last
file and the state (the many file uploads in between are the same request). One
rendered project serves every case; each case gets a fresh fake workspace.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from mlops_stacks.bundle import load_bundle
from mlops_stacks.deploy import deploy, destroy
from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace import open_workspace
from mlops_stacks.workspace.databricks import current_user
from tests.databricks import test_databricks_cli_e2e as e2e
from tests.databricks.fake_server import FakeDatabricks
from tests.reliability.hostile_server import HostileDatabricks, cli_env
from tests.reliability.test_hostile_http import cli_environment

pytestmark = pytest.mark.slow

rendered = e2e.rendered
IMPORT = "/api/2.0/workspace/import"
MKDIRS = "/api/2.0/workspace/mkdirs"


def _deploy(root: Path, server: FakeDatabricks) -> None:
    bundle, diags = load_bundle(root, target="staging", current_user=current_user(server.url))
    assert bundle is not None, diags
    deploy(bundle, open_workspace(bundle), approve=lambda _a: True)


def _destroy(root: Path, server: FakeDatabricks) -> None:
    bundle, diags = load_bundle(root, target="staging", current_user=current_user(server.url))
    assert bundle is not None, diags
    destroy(bundle, open_workspace(bundle), approve=lambda _a: True)


def _project(rendered: Path, tmp_path: Path, url: str) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(rendered, repo)
    root = repo / "fare_demo"
    e2e.point_staging_at(root, url)
    return root


def _writes_to_fault(rendered: Path, tmp_path: Path) -> list[tuple[str, str, int]]:
    """(method, path, occurrence) of the writes a clean deploy makes, as the sweep takes them."""
    srv = FakeDatabricks().start()
    try:
        with cli_environment(cli_env(srv, tmp_path)):
            _deploy(_project(rendered, tmp_path / "clean", srv.url), srv)
        writes = [(r.method, r.path.split("?")[0]) for r in srv.writes()]
    finally:
        srv.stop()
    seen: Counter[tuple[str, str]] = Counter()
    out = []
    imports = sum(1 for w in writes if w[1] == IMPORT)
    for method, path in writes:
        n = seen[(method, path)]
        seen[(method, path)] += 1
        if path == MKDIRS and n > 0 or path == IMPORT and n not in (0, 1, imports - 1):
            continue  # one folder and the lock, the first file and the state are enough
        out.append((method, path, n))
    return out


@pytest.fixture(scope="module")
def writes(rendered: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, int]]:
    return _writes_to_fault(rendered, tmp_path_factory.mktemp("clean"))


@pytest.mark.parametrize("fault", ["drop", "fail"])
def test_each_write_faulted_then_redeploy_and_destroy_leave_no_duplicates_and_nothing_behind(
    rendered: Path, writes: list[tuple[str, str, int]], tmp_path: Path, fault: str
) -> None:
    assert any(p == "/api/2.2/jobs/create" for _, p, _ in writes), writes
    problems = []
    for i, (method, path, skip) in enumerate(writes):
        srv = HostileDatabricks().start()
        try:
            root = _project(rendered, tmp_path / f"case{i}", srv.url)
            (tmp_path / f"home{i}").mkdir()
            with cli_environment(cli_env(srv, tmp_path / f"home{i}")):
                getattr(srv, fault)(method, path, skip=skip, times=1)
                try:
                    _deploy(root, srv)
                except WorkspaceError:
                    pass  # allowed: said clearly; what matters is what follows
                srv.behave()
                _deploy(root, srv)
                jobs = Counter(j["settings"]["name"] for j in srv.state.jobs.values())
                exps = Counter(e["name"] for e in srv.state.experiments.values())
                if any(n > 1 for n in [*jobs.values(), *exps.values()]) or len(jobs) != 3:
                    problems.append(f"{method} {path} #{skip}: after redeploy {jobs} {exps}")
                _destroy(root, srv)
                if not srv.is_empty(e2e.ROOT):
                    problems.append(f"{method} {path} #{skip}: destroy left {srv.state.jobs} "
                                    f"{srv.paths_under(e2e.ROOT)}")  # fmt: skip
        finally:
            srv.stop()
    assert not problems, "\n".join(problems)
