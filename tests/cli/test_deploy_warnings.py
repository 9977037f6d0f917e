"""Deploy warnings are diagnostics: in the library's result, and as GitHub annotations."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.bundle_project import cli, make_project


def test_a_recreated_job_is_a_warning_diagnostic(tmp_path: Path, monkeypatch) -> None:
    project = make_project(tmp_path / "demo", ml_artifacts=False)
    cli(project, "deploy", check=True)
    job = project / ".mlops-stacks" / "local" / "jobs" / "train_job.json"
    job.unlink()
    out = cli(project, "deploy", env={"GITHUB_ACTIONS": "true"}, check=True)
    assert "Warning: " in out.stderr and "deleted outside mlops-stacks" in out.stderr
    assert "::warning" in out.stderr

    from mlops_stacks.bundle import load_bundle
    from mlops_stacks.deploy import deploy
    from mlops_stacks.workspace import open_workspace

    job.unlink()
    monkeypatch.chdir(project)
    bundle, _ = load_bundle(project)
    result = deploy(bundle, open_workspace(bundle))
    [diag] = result.warnings
    assert diag.severity.value == "warning" and "train_job" in diag.summary
    assert result.to_dict()["diagnostics"][0]["summary"] == diag.summary
