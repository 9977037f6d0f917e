"""Planning: desired resources vs deployed state, field-level diffs, ID references."""

from __future__ import annotations

from mlops_stacks.deploy.diff import ABSENT, Change, diff
from mlops_stacks.deploy.plan import compute_plan, resolve_ids
from mlops_stacks.deploy.state import DeploymentState, ResourceState, fingerprint


def _deployed(config: dict, rid: str = "1") -> ResourceState:
    return ResourceState(id=rid, fingerprint=fingerprint(config), config=config)


def test_each_resource_gets_one_action_in_dependency_order() -> None:
    state = DeploymentState(salt="")
    state.put("jobs", "same", _deployed({"name": "a"}, "1"))
    state.put("jobs", "edited", _deployed({"name": "b", "max_concurrent_runs": 1}, "2"))
    state.put("jobs", "gone", _deployed({"name": "c"}, "3"))
    state.put("experiments", "old_exp", _deployed({"name": "/e"}, "9"))
    desired = [
        ("jobs", "same", {"name": "a"}),
        ("jobs", "edited", {"name": "b", "max_concurrent_runs": 2}),
        ("jobs", "new", {"name": "d"}),
        ("experiments", "exp", {"name": "/x"}),
    ]
    plan = compute_plan(desired, state)
    assert [(a.op, a.address) for a in plan.actions] == [
        ("delete", "jobs.gone"),  # jobs are deleted before the experiments they use
        ("delete", "experiments.old_exp"),
        ("create", "experiments.exp"),  # experiments are created before jobs
        ("update", "jobs.edited"),
        ("create", "jobs.new"),
        ("unchanged", "jobs.same"),
    ]
    assert plan.summary_line() == "Plan: 2 to add, 1 to change, 2 to delete, 1 unchanged"
    edited = next(a for a in plan.actions if a.op == "update")
    assert edited.changes == [Change("max_concurrent_runs", 1, 2)]
    assert edited.to_dict()["id"] == "2"


def test_key_order_does_not_count_as_a_change() -> None:
    state = DeploymentState(salt="")
    state.put("jobs", "j", _deployed({"name": "a", "tags": {"x": "1", "y": "2"}}))
    plan = compute_plan([("jobs", "j", {"tags": {"y": "2", "x": "1"}, "name": "a"})], state)
    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": 1}


def test_diff_matches_tasks_by_key_and_reports_added_and_removed_fields() -> None:
    old = {"tasks": [{"task_key": "Train", "timeout_seconds": 10},
                     {"task_key": "Validate", "notebook_task": {"notebook_path": "/v"}}]}
    new = {"tasks": [{"task_key": "Ingest"}, {"task_key": "Train", "timeout_seconds": 20},
                     {"task_key": "Validate", "notebook_task": {"notebook_path": "/v"},
                      "depends_on": [{"task_key": "Train"}]}],
           "description": "new"}
    changes = diff(old, new)
    assert Change("tasks[Train].timeout_seconds", 10, 20) in changes
    assert Change("tasks[Validate].depends_on", ABSENT, [{"task_key": "Train"}]) in changes
    assert Change("tasks[Ingest]", ABSENT, {"task_key": "Ingest"}) in changes
    assert Change("description", ABSENT, "new") in changes
    assert len(changes) == 4
    assert [c.op for c in diff({"a": 1}, {})] == ["remove"]
    assert diff([1, 2], [1, 3]) == [Change("[1]", 2, 3)]
    assert diff({"a": 1}, {"a": 1.0}) == [Change("a", 1, 1.0)]


def test_id_references_are_filled_from_state() -> None:
    state = DeploymentState(salt="")
    state.put("jobs", "other", _deployed({"name": "o"}, "42"))
    config = {"tasks": [{"task_key": "t", "run_job_task": {
        "job_id": "${resources.jobs.other.id}"}}],
              "description": "uses ${resources.jobs.missing.id}"}
    resolved = resolve_ids(config, state.ids())
    # Jobs APIs type run_job_task.job_id as an integer: the filled-in ID is sent as one.
    assert resolved["tasks"][0]["run_job_task"]["job_id"] == 42
    assert resolved["description"] == "uses ${resources.jobs.missing.id}"
    assert resolve_ids({"job_id": "${resources.jobs.missing.id}"}, state.ids()) == {
        "job_id": "${resources.jobs.missing.id}"}  # not known yet: filled in at apply time
    assert resolve_ids({"job_id": "42a", "name": "42"}, {}) == {"job_id": "42a", "name": "42"}
    # Deployed with the resolved value: unchanged on the next plan.
    state.put("jobs", "caller", _deployed(resolved, "43"))
    plan = compute_plan([("jobs", "other", {"name": "o"}), ("jobs", "caller", config)], state)
    assert plan.counts["unchanged"] == 2


def test_state_round_trips_and_rejects_newer_versions() -> None:
    import pytest

    from mlops_stacks.errors import WorkspaceError

    state = DeploymentState(bundle="b", target="t", files={"a.py": "h"}, salt="")
    state.put("jobs", "j", _deployed({"name": "x"}, "5"))
    again = DeploymentState.from_dict(state.to_dict())
    assert again.to_dict() == state.to_dict()
    with pytest.raises(WorkspaceError, match="newer"):
        DeploymentState.from_dict({**state.to_dict(), "version": 99})
    with pytest.raises(WorkspaceError, match="malformed"):
        DeploymentState.from_dict({"resources": {"jobs": {"j": {"no_id": 1}}}})


def test_resources_referring_to_new_ids_are_applied_after_them(tmp_path) -> None:
    from mlops_stacks.deploy.apply import apply_action
    from mlops_stacks.workspace.local import LocalWorkspace

    desired = [
        ("jobs", "a_caller", {"name": "c", "tasks": [{"task_key": "t", "run_job_task": {
            "job_id": "${resources.jobs.z_callee.id}"}}]}),
        ("jobs", "z_callee", {"name": "z"}),
    ]
    state = DeploymentState(salt="")
    plan = compute_plan(desired, state)
    assert [a.key for a in plan.actions] == ["z_callee", "a_caller"]
    ws = LocalWorkspace(tmp_path, "local", bundle_name="b")
    for action in plan.actions:
        apply_action(ws, state, action)
    caller = ws.job_settings("a_caller")
    assert caller["tasks"][0]["run_job_task"]["job_id"] == int(ws.job_id("z_callee"))
    assert compute_plan(desired, state).counts["unchanged"] == 2


def test_secrets_never_reach_state_or_plan_but_their_changes_do() -> None:
    job = {"name": "j", "tasks": [{"task_key": "t", "spark_env_vars": {
        "API_TOKEN": "s3cr3t", "REGION": "eu"}}]}
    state = DeploymentState(salt="")
    state.put("jobs", "j", _deployed(job))
    stored = DeploymentState.from_dict(state.to_dict())
    assert "s3cr3t" not in str(state.to_dict())
    env = stored.get("jobs", "j").config["tasks"][0]["spark_env_vars"]
    assert env["REGION"] == "eu"
    assert env["API_TOKEN"].startswith("***") and env["API_TOKEN"] != "***"  # a salted hash
    assert compute_plan([("jobs", "j", job)], stored).counts["unchanged"] == 1
    rotated = {"name": "j", "tasks": [{"task_key": "t", "spark_env_vars": {
        "API_TOKEN": "n3w", "REGION": "eu"}}]}
    plan = compute_plan([("jobs", "j", rotated)], stored)
    assert plan.counts["update"] == 1
    assert "n3w" not in str(plan.to_dict())
