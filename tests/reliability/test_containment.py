"""Nothing outside the bundle is written or deleted, whatever the bundle or its links say.

Each test runs the real CLI on a project surrounded by canary files and checks
them afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_stacks.errors import WorkspaceError
from mlops_stacks.workspace.local import LocalWorkspace
from tests.deploy.bundle_project import DATABRICKS_YML, cli
from tests.reliability.conftest import Canaries

ESCAPING_TARGET = DATABRICKS_YML + """\
  ../../../OUTSIDE:
    workspace:
      host: local
"""


def test_target_name_with_path_parts_is_refused(project: Path, canaries: Canaries) -> None:
    (project / "databricks.yml").write_text(ESCAPING_TARGET)
    for command in (["validate"], ["deploy", "--auto-approve"], ["destroy", "--auto-approve"]):
        proc = cli(project, *command, "-t", "../../../OUTSIDE")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        out = proc.stdout + proc.stderr
        assert 'target name "../../../OUTSIDE" may only hold letters' in out
        assert "databricks.yml:10:" in out  # the key's line
        assert "Traceback" not in out
    canaries.assert_untouched()
    assert not (project / ".mlops-stacks").exists()


@pytest.mark.parametrize("key", ["../../../../../OUTSIDE2/victim", "/tmp/x/absjob", "a.b",
                                 "tab\there", ""])
def test_resource_key_that_is_not_a_name_is_refused(project: Path, canaries: Canaries,
                                                     key: str) -> None:
    jobs = project / "resources" / "jobs-resource.yml"
    jobs.write_text(jobs.read_text() + f"""\
    "{key}":
      name: victim
      tasks:
        - task_key: T
          notebook_task:
            notebook_path: ../training/notebooks/Train.py
""".replace("\t", "\\t"))
    for command in (["validate"], ["deploy", "--auto-approve"]):
        proc = cli(project, *command)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        out = proc.stdout + proc.stderr
        assert "may only hold letters, digits" in out or "is empty" in out
        assert "jobs-resource.yml:17:5" in out or "jobs-resource.yml:18:" in out  # key or value
    canaries.assert_untouched()


def test_resource_key_in_a_target_is_checked_too(project: Path) -> None:
    (project / "databricks.yml").write_text(DATABRICKS_YML + """\
    resources:
      jobs:
        ../up:
          name: x
""")
    proc = cli(project, "validate")
    assert proc.returncode == 1
    assert 'resource key "../up"' in proc.stdout + proc.stderr


def test_workspace_refuses_unsafe_names_itself(project: Path, canaries: Canaries) -> None:
    """The local workspace checks names even when called without a validated bundle."""
    with pytest.raises(WorkspaceError, match="may only hold"):
        LocalWorkspace(project, "../../OUTSIDE")
    ws = LocalWorkspace(project, "local")
    for key in ("../../../../OUTSIDE2/victim", "/tmp/absjob"):
        with pytest.raises(WorkspaceError, match="resource key"):
            ws.create_resource("jobs", key, {"name": "x"})
        with pytest.raises(WorkspaceError, match="resource key"):
            ws.delete_resource("quality_monitors", key, "x")
    canaries.assert_untouched()


def test_local_folder_linked_outside_is_refused(project: Path, canaries: Canaries,
                                               tmp_path: Path) -> None:
    elsewhere = tmp_path / "home" / "work" / "elsewhere"
    (project / ".mlops-stacks").symlink_to(elsewhere, target_is_directory=True)
    for command in (["deploy", "--auto-approve"], ["destroy", "--auto-approve"], ["plan"]):
        proc = cli(project, *command)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "symbolic link" in proc.stderr and "outside the bundle" in proc.stderr
        assert "Traceback" not in proc.stderr
    canaries.assert_untouched()


def test_target_folder_parts_linked_outside_are_refused(project: Path, canaries: Canaries,
                                                       tmp_path: Path) -> None:
    elsewhere = tmp_path / "home" / "work" / "elsewhere"
    target_dir = project / ".mlops-stacks" / "local"
    target_dir.mkdir(parents=True)
    (target_dir / "files").symlink_to(elsewhere, target_is_directory=True)
    proc = cli(project, "destroy", "--auto-approve")
    assert proc.returncode == 1
    assert "symbolic link" in proc.stderr
    canaries.assert_untouched()


def test_links_inside_the_local_folder_are_not_followed_by_writes(
        project: Path, canaries: Canaries, tmp_path: Path) -> None:
    """A link planted after the workspace was opened is caught at the write."""
    ws = LocalWorkspace(project, "local")
    ws.dir.mkdir(parents=True)
    (ws.dir / "jobs").symlink_to(tmp_path / "home" / "work" / "elsewhere")
    with pytest.raises(WorkspaceError, match="symbolic link"):
        ws.create_resource("jobs", "train", {"name": "x"})
    with pytest.raises(WorkspaceError, match="symbolic link"):
        ws.delete_resource("jobs", "train", "1")
    canaries.assert_untouched()


def test_sync_skips_links_leading_outside(project: Path, canaries: Canaries,
                                          tmp_path: Path) -> None:
    secret = tmp_path / "home" / "work" / "elsewhere" / "secret.txt"
    (project / "leak.txt").symlink_to(secret)
    (project / "inner.txt").symlink_to(project / "data" / "sample.csv")
    os.symlink("../..", project / "data" / "up")  # a folder link: never walked
    (project / "databricks.yml").write_text(DATABRICKS_YML.replace(
        "include:\n  - resources/*.yml\n", ""))  # no jobs: a quick deploy
    plan = cli(project, "plan")
    assert "Not syncing leak.txt: it is a symbolic link to a file outside the bundle" \
        in plan.stderr
    proc = cli(project, "deploy", "--auto-approve")
    assert proc.returncode == 0, proc.stderr
    assert "Not syncing leak.txt" in proc.stderr
    files = project / ".mlops-stacks" / "local" / "files"
    assert not (files / "leak.txt").exists()
    assert (files / "inner.txt").read_text() == "a,b\n1,2\n"  # a link inside is followed
    assert not any("canary" in p.read_text() for p in files.rglob("*") if p.is_file())
    proc = cli(project, "destroy", "--auto-approve")
    assert proc.returncode == 0, proc.stderr
    canaries.assert_untouched()
