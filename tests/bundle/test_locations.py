"""``validate -o json --include-locations``: where every value was written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.deploy.bundle_project import cli, make_project


def test_every_written_value_has_its_file_line_and_column(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    proc = cli(project, "validate", "-o", "json", "--include-locations", check=True)
    located = json.loads(proc.stdout)["__locations"]
    assert located["files"] == ["databricks.yml", "resources/jobs-resource.yml"]
    where = located["locations"]
    assert where["bundle.name"] == [[0, 2, 9]]
    assert where["resources.jobs.train_job.tasks[0].notebook_task.notebook_path"] == \
        [[1, 8, 28]]
    assert "__locations" not in json.loads(cli(project, "validate", "-o", "json").stdout)
