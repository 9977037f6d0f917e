"""A for_each iteration that runs past its own timeout_seconds fails that iteration;
the run goes on and ends FAILED, as any failed iteration does."""

from __future__ import annotations

import pytest

from tests.runner.conftest import Project


@pytest.mark.timeout(180)
def test_an_iteration_past_its_timeout_fails_the_for_each_task(project: Project) -> None:
    slow = project.notebook("n/notebooks/Slow", "import time\ntime.sleep(60)")
    job = {
        "tasks": [
            {
                "task_key": "Each",
                "for_each_task": {
                    "inputs": '["a"]',
                    "task": {
                        "task_key": "Each_iteration",
                        "timeout_seconds": 1,
                        "notebook_task": {"notebook_path": slow},
                    },
                },
            },
        ]
    }
    record = project.run(job)
    task = record.tasks["Each"]
    assert record.state == "FAILED" and task.state == "FAILED"
    assert task.error == "1 of 1 iterations failed; iteration 0 (input 'a'): timed out"
    assert "[mlops-stacks] timed out after 1 s" in project.log(record, "Each")
