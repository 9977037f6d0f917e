"""``open`` on a Databricks target: the resource's page, or the bundle folder."""

from __future__ import annotations

import os
from pathlib import Path

from tests.databricks.fake_server import FakeDatabricks
from tests.deploy.bundle_project import cli


def test_open_on_databricks_names_the_resource_page(tmp_path: Path, db_env: FakeDatabricks
                                                     ) -> None:
    from tests.databricks.test_library_current_user import _project

    project = _project(tmp_path / "p", db_env.url)
    env = {**os.environ}
    cli(project, "deploy", env=env, check=True)
    out = cli(project, "open", "train", "--no-browser", env=env, check=True).stdout
    [job_id] = list(db_env.state.jobs)
    assert f"Opening jobs.train (train-jane_doe): {db_env.url}/jobs/{job_id}" in out
    folder = cli(project, "open", "--no-browser", env=env, check=True).stdout
    assert f"{db_env.url}/#workspace/Workspace/Users/{db_env.user}/custom/lib-demo" in folder
