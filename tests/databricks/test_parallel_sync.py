"""File sync uploads several files at once to a Databricks workspace, bounded by
``--parallelism``; a no-op sync asks nothing file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_kinds import deploy_now, write_project

FILES = 24


def _imports(server: FakeDatabricks, mark: int) -> list:  # noqa: ANN401 - fake's Request
    return [r for r in server.requests[mark:]
            if r.path == "/api/2.0/workspace/import" and "/files/src/" in str(r.body["path"])]


def test_files_upload_in_parallel_within_the_bound(
    tmp_path: Path, db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_STACKS_PARALLELISM", "4")
    db_env.latency = 0.05
    root = write_project(tmp_path / "files", db_env.url, "")
    for i in range(FILES):
        (root / "src" / f"p{i % 3}").mkdir(parents=True, exist_ok=True)
        (root / "src" / f"p{i % 3}" / f"m{i}.py").write_text(f"X = {i}\n")
    mark = db_env.mark()
    deploy_now(root, db_env)
    uploads = [r for r in _imports(db_env, mark) if r.status == 200]
    assert len(uploads) == FILES
    # At most 4 requests in flight at any moment, and more than one most of the time.
    events = sorted([(r.received, 1) for r in db_env.requests[mark:]]
                    + [(r.answered, -1) for r in db_env.requests[mark:]])
    in_flight, peak = 0, 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)
    assert 2 <= peak <= 4

    mark = db_env.mark()
    deploy_now(root, db_env)
    assert not _imports(db_env, mark)
    assert len(db_env.requests) - mark <= 8  # no request file by file
