"""What the template generates for its own lifecycle: the update workflow, the pip requirement."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlops_stacks import __version__
from tests.conftest import render_template


def _installs(root: Path) -> list[str]:
    lines = []
    for path in sorted((root / ".github/workflows").glob("*.yml")):
        lines += [line.strip() for line in path.read_text().splitlines() if "pip install" in line]
    return lines


def test_the_update_workflow_runs_update_weekly_and_on_demand(tmp_path: Path) -> None:
    root = render_template(tmp_path / "p", project_name="fares")
    workflow = yaml.safe_load((root / ".github/workflows/mlops-stacks-update.yml").read_text())
    on = workflow.get("on", workflow.get(True))
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'mlops-stacks update --defaults "$folder"' in script
    assert "gh pr create" in script
    assert job["env"]["GH_TOKEN"] == "${{ secrets.WORKFLOW_TOKEN }}"  # from the secret store
    # A project added to a repository uses the repository's workflow.
    added = render_template(tmp_path / "a", project_name="fares", setup="project_only",
                            with_project_cicd=True)
    assert not (added / ".github/workflows/mlops-stacks-update.yml").exists()


def test_the_pip_requirement_is_an_answer(tmp_path: Path) -> None:
    default = render_template(tmp_path / "d", project_name="fares")
    assert any(f'"mlops-stacks=={__version__}"' in line for line in _installs(default))
    custom = render_template(
        tmp_path / "c", project_name="fares",
        mlops_stacks_requirement="mlops-stacks @ git+https://git.example.com/ml/mlops-stacks.git",
    )
    installs = _installs(custom)
    assert not any("==" in line for line in installs), installs
    assert any('"mlops-stacks @ git+https://git.example.com' in line for line in installs)
    assert any('"mlops-stacks[local] @ git+https://git.example.com' in line for line in installs)
    assert "mlops-stacks[local] @ git+https://git.example.com" in (custom / "README.md").read_text()
