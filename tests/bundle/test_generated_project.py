"""The project `mlops-stacks init` generates loads cleanly for every target."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_stacks.bundle import find_bundle_root, load_bundle

# Workspace URLs of the shape users give (the example hosts are warned about).
REAL_HOSTS = {
    "staging_workspace_host": "https://adb-4096012345678901.7.azuredatabricks.net",
    "prod_workspace_host": "https://adb-4096012345678902.8.azuredatabricks.net",
}


@pytest.mark.slow
def test_every_target_of_the_generated_project_loads(tmp_path: Path, render) -> None:
    out = render(tmp_path / "out", **REAL_HOSTS)
    root = find_bundle_root(cwd=out, env={})
    assert root.parent == out.resolve()
    for target in ("local", "dev", "staging", "prod", "test"):
        bundle, diags = load_bundle(root, target=target, env={})
        assert bundle is not None and not diags.errors, (target, diags.errors)
        for job in bundle.resources("jobs").values():
            for task in job.get("tasks", []):
                path = (task.get("notebook_task") or {}).get("notebook_path")
                if path and target == "local":
                    assert bundle.local_path(path) is not None, path
        if target != "local":
            assert not diags.warnings
            assert len(diags) == 1  # only the skipped workspace look-ups (info)
