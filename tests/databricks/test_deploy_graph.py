"""Deploy and destroy over the resource graph, several changes at once, against the fake
workspace over real HTTP (with latency added, so requests really overlap)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from mlops_stacks.deploy.graph import dependencies, walk
from mlops_stacks.deploy.plan import compute_plan
from mlops_stacks.deploy.state import DeploymentState, ResourceState
from tests.databricks.fake_server import FakeDatabricks
from tests.databricks.test_databricks_deploy import ROOT, make_project
from tests.databricks.test_databricks_kinds import deploy_now, write_project
from tests.databricks.test_databricks_outputs import ENDPOINT, PIPELINE_AND_JOB
from tests.deploy.bundle_project import cli

CHAIN = PIPELINE_AND_JOB + ENDPOINT  # a job runs the pipeline; the endpoint serves the model


def _first(server: FakeDatabricks, method: str, path: str) -> int:
    return next(i for i, r in enumerate(server.requests)
                if (r.method, r.path) == (method, path) and r.status == 200)


def test_a_dependency_chain_is_applied_in_order_under_concurrency(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    db_env.latency = 0.05
    db_env.add_notebook("/Workspace/Shared/features")
    db_env.register_version("main.ml.fare_model", "1")  # the model itself is not there yet
    root = write_project(tmp_path / "chain", db_env.url, CHAIN)
    # The pipeline kind loads the SDK's pipelines module on first use (0.1 s and more):
    # loaded here, so that the timings below show the graph's concurrency, not an import.
    from mlops_stacks.workspace.databricks.sdk_import import defer_package_init

    defer_package_init()
    importlib.import_module("databricks.sdk.service.pipelines")
    result, ws = deploy_now(root, db_env)
    assert sorted(result.done["create"]) == [
        "jobs.refresh", "model_serving_endpoints.fare", "pipelines.features",
        "registered_models.model"]
    [pid] = db_env.state.pipelines
    [job] = db_env.state.jobs.values()
    assert job["settings"]["tasks"][0]["pipeline_task"]["pipeline_id"] == pid
    assert "staging-fare" in db_env.state.endpoints
    state = ws.read_state()
    assert state["resources"]["pipelines"]["features"]["id"] == pid
    recorded = state["resources"]["jobs"]["refresh"]["config"]["tasks"][0]["pipeline_task"]
    assert recorded["pipeline_id"] == pid
    # Each dependent was sent only once what it needs had been answered.
    reqs = db_env.requests
    pipeline = reqs[_first(db_env, "POST", "/api/2.0/pipelines")]
    job_create = reqs[_first(db_env, "POST", "/api/2.2/jobs/create")]
    model = reqs[_first(db_env, "POST", "/api/2.1/unity-catalog/models")]
    endpoint = reqs[_first(db_env, "POST", "/api/2.0/serving-endpoints")]
    assert job_create.received >= pipeline.answered
    assert endpoint.received >= model.answered
    # Independent resources did overlap: the model was created while the pipeline was.
    assert model.received < pipeline.answered and pipeline.received < model.answered


@pytest.mark.slow
def test_destroy_deletes_everything_it_can_and_lists_what_is_left(
    tmp_path: Path, db_env: FakeDatabricks
) -> None:
    project = make_project(tmp_path / "demo", db_env.url)
    cli(project, "deploy", "-t", "staging", "--auto-approve", check=True)
    assert len(db_env.state.jobs) == 2
    db_env.fail("POST", "/api/2.2/jobs/delete", status=400, times=1, code="INVALID_STATE",
                message="Job has an active continuous run; stop it first.")
    failed = cli(project, "destroy", "-t", "staging", "--auto-approve")
    out = " ".join((failed.stdout + failed.stderr).split())  # lines as the terminal wrapped them
    assert failed.returncode == 1, out
    assert "Traceback" not in out
    assert "1 change failed; everything else was deleted, with the synced files:" in out
    assert "INVALID_STATE" in out and "Job has an active continuous run; stop it first." in out
    assert "mlops-stacks validate" not in out  # advice that does not apply is not given
    [(left_id, left_job)] = db_env.state.jobs.items()
    if left_job["settings"]["name"] == "staging-demo-train":
        # The experiment is used by the job left behind: it waits for it, and is kept too.
        left = "experiments.experiment, jobs.train_job"
        assert "experiments.experiment: not started, it needs jobs.train_job" in out
        assert not db_env.state.jobs.keys() - {left_id}
    else:
        left = "jobs.score_job"
        assert all(e["lifecycle_stage"] != "active" for e in db_env.state.experiments.values())
    assert f"Still deployed (kept in the deployment state): {left}." in out
    assert "mlops-stacks destroy -t staging" in out
    # Everything else is gone: the other job, the model and the files.
    assert not db_env.state.uc_models
    assert db_env.paths_under(ROOT + "/files") == []
    assert ROOT + "/state/deploy.lock" not in db_env.state.objects
    plan = cli(project, "plan", "-t", "staging", "-o", "json", check=True).stdout
    assert f'"id": "{left_id}"' in plan

    again = cli(project, "destroy", "-t", "staging", "--auto-approve", check=True)
    assert f"Resources: {left.count(',') + 1} deleted" in again.stdout
    assert db_env.is_empty() and db_env.paths_under(ROOT) == []


def _deployed(config: dict, rid: str) -> ResourceState:
    return ResourceState(id=rid, fingerprint="f", config=config)


def test_deletions_go_before_what_they_refer_to() -> None:
    state = DeploymentState(salt="")
    state.put("pipelines", "p", _deployed({"name": "features"}, "pl-1"))
    state.put("jobs", "j", _deployed(
        {"name": "refresh", "tasks": [{"pipeline_task": {"pipeline_id": "pl-1"}}]}, "7"))
    state.put("jobs", "k", _deployed({"name": "other", "max_concurrent_runs": 7}, "8"))
    actions = compute_plan([], state).actions
    deps = dependencies(actions)
    by = {a.address: i for i, a in enumerate(actions)}
    assert deps[by["pipelines.p"]] == {by["jobs.j"]}  # the job that runs it goes first
    assert deps[by["jobs.j"]] == set() and deps[by["jobs.k"]] == set()


def test_a_failure_stops_only_what_depends_on_it() -> None:
    ran: list[int] = []

    def work(i: int) -> None:
        if i == 0:
            raise RuntimeError("boom")
        ran.append(i)

    # 1 needs 0, 2 needs 1, 3 is independent.
    result = walk(4, [set(), {0}, {1}, set()], work, parallelism=3)
    assert sorted(ran) == [3]
    assert list(result.failed) == [0] and result.blocked == {1: 0, 2: 0}
    sequential = walk(4, [set(), {0}, {1}, set()], lambda i: None, parallelism=1)
    assert sequential.done == [0, 1, 2, 3]


@pytest.mark.parametrize("parallelism", [1, 4])
def test_collected_failures_let_go_of_what_their_calls_held(parallelism: int) -> None:
    import gc
    import traceback
    import weakref

    class Answer(bytearray):  # stands for a failed request's answer (weak-referenceable)
        pass

    held: list[weakref.ref[Answer]] = []

    def fetch(i: int) -> None:
        answer = Answer(1024)
        held.append(weakref.ref(answer))
        raise ValueError(f"answer {i} of {len(answer)} bytes is unexpected")

    def work(i: int) -> None:
        try:
            fetch(i)
        except ValueError as err:
            raise RuntimeError("could not deploy") from err

    gc.disable()  # only references count: what a busy deploy keeps until it reports
    try:
        result = walk(3, [set(), set(), set()], work, parallelism=parallelism)
        assert sorted(result.failed) == [0, 1, 2] and len(held) == 3
        assert [ref() for ref in held] == [None, None, None]
    finally:
        gc.enable()
    # The traceback still tells where each failure came from (--debug prints it).
    shown = "".join(traceback.format_exception(result.failed[0]))
    assert "in fetch" in shown and "answer 0 of 1024 bytes" in shown
