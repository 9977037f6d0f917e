"""Temp files a killed deploy leaves behind are listed by ``plan`` and removed by the next
deploy (a SIGKILL gives no chance to clean up; the next deploy, holding the lock, does)."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.bundle_project import DATABRICKS_YML, JOBS_YML, cli


def test_stray_temp_files_are_planned_and_removed(project: Path) -> None:
    (project / "databricks.yml").write_text(DATABRICKS_YML.replace(
        "include:\n  - resources/*.yml\n", "") + JOBS_YML.replace("../", ""))
    assert cli(project, "deploy", "--auto-approve").returncode == 0
    target = project / ".mlops-stacks" / "local"
    strays = [target / "files" / "training" / "notebooks" / ".Train.py.k2j4_9zq.tmp",
              target / "jobs" / ".train_job.json.a1b2c3d4.tmp",
              target / ".state.json.zz99yy88.tmp"]
    for path in strays:
        path.write_text("half written\n")
    keep = target / "files" / "notes.tmp"  # not a name our writes use: left alone
    keep.write_text("user file\n")

    plan = cli(project, "plan")
    assert "Files: 0 to upload, 1 to delete" in plan.stdout, plan.stdout
    assert "- training/notebooks/.Train.py.k2j4_9zq.tmp" in plan.stdout

    proc = cli(project, "deploy", "--auto-approve")
    assert proc.returncode == 0, proc.stderr
    assert not any(p.exists() for p in strays)
    assert keep.exists()
    again = cli(project, "plan")
    assert "Files: 0 to upload, 0 to delete" in again.stdout, again.stdout
