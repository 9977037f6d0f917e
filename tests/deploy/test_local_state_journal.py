"""The local workspace records each change in a journal, so big deploys stay linear.

A deploy writes ``state.json`` whole at its start and end only; in between, each
applied change is one line of ``state.journal``. A killed deploy leaves both, and
the next command reads them together.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

from mlops_stacks.deploy.state import DeploymentState, ResourceState
from mlops_stacks.workspace import local_state
from mlops_stacks.workspace.local import LocalWorkspace
from tests.deploy.bundle_project import cli, start_cli, wait_for_line


def test_a_killed_deploy_leaves_its_changes_in_the_journal(jobs_project: Path) -> None:
    ws = jobs_project / ".mlops-stacks" / "local"
    proc = start_cli(jobs_project, "deploy", env={"MLOPS_STACKS_TEST_PAUSE_AFTER": "1"})
    try:
        wait_for_line(proc, "paused at 1")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The first job is recorded by one journal line, not by rewriting state.json.
    assert "jobs" not in json.loads((ws / "state.json").read_text()).get("resources", {})
    lines = (ws / "state.journal").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["kind"] == "jobs"

    plan = json.loads(cli(jobs_project, "plan", "-o", "json", check=True).stdout)
    assert plan["summary"] == {"add": 1, "change": 0, "delete": 0, "unchanged": 1}

    again = cli(jobs_project, "deploy", check=True)
    assert "Resources: 1 created, 0 changed, 0 deleted, 1 unchanged" in again.stdout
    assert not (ws / "state.journal").exists()
    state = json.loads((ws / "state.json").read_text())
    ids = {r["id"] for r in state["resources"]["jobs"].values()}
    assert len(ids) == 2  # the job created before the kill was adopted, not duplicated


def test_journal_entries_apply_only_on_top_of_their_own_document(tmp_path: Path) -> None:
    ws = LocalWorkspace(tmp_path, "local", bundle_name="b")
    state = DeploymentState(bundle="b", target="local", salt="")
    state.put("jobs", "old", ResourceState("1", "f", {"name": "old"}))
    ws.write_state({**state.to_dict(), "serial": 3})
    ws.append_state_entry({"base": 3, "kind": "jobs", "key": "new",
                           "resource": {"id": "2", "fingerprint": "g", "config": {}}})
    ws.append_state_entry({"base": 3, "kind": "jobs", "key": "old", "resource": None})
    ws.append_state_entry({"base": 2, "kind": "jobs", "key": "stale",  # an older document's
                           "resource": {"id": "9", "fingerprint": "h", "config": {}}})
    with (ws.dir / local_state.JOURNAL_NAME).open("a") as fh:
        fh.write('{"base": 3, "kind": "jobs", "key": "cut')  # a write cut short by a kill
    read = ws.read_state()
    assert read is not None
    loaded = DeploymentState.from_dict(read)
    assert sorted(key for _, key, _ in loaded.all()) == ["new"]
    ws.write_state(loaded.to_dict())  # a whole document starts the journal over
    assert not (ws.dir / local_state.JOURNAL_NAME).exists()


def test_job_ids_keep_growing_across_deletes_and_commands(tmp_path: Path) -> None:
    ws = LocalWorkspace(tmp_path, "local", bundle_name="b")
    ids = [ws.create_resource("jobs", f"j{i}", {"name": f"j{i}"}).id for i in range(3)]
    assert ids == ["1", "2", "3"]
    ws.delete_resource("jobs", "j0", "1")
    assert ws.create_resource("jobs", "j0", {"name": "j0"}).id == "4"
    again = LocalWorkspace(tmp_path, "local", bundle_name="b")  # a new command reads once
    assert again.create_resource("jobs", "j9", {"name": "j9"}).id == "5"
