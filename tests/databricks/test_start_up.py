"""What a Databricks command does before its real work: sign in once, load only the part of
the SDK it uses, and read the Jobs list while the state downloads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from tests.databricks.fake_server import FakeDatabricks, Request
from tests.databricks.test_databricks_kinds import write_project
from tests.databricks.test_rate_limit import jobs_yaml

JOBS = 12  # enough for the Jobs list (backend.BULK_JOBS), one page
STATE_FILE = "deployment-state.json"


def _cli(*args: str) -> None:
    terminal.reset()
    terminal.DEBUG = False
    res = CliRunner().invoke(app, list(args))
    terminal.reset()
    assert res.exit_code == 0, res.stdout + res.stderr


def _only(requests: list[Request], path: str, *, in_query: str = "") -> Request:
    found = [r for r in requests if r.path == path and in_query in json.dumps(r.query)]
    assert len(found) == 1, [(r.method, r.path, r.query) for r in requests]
    return found[0]


def test_plan_and_a_no_op_deploy_sign_in_once_and_list_jobs_beside_the_state(
    tmp_path: Path, db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "start", db_env.url, jobs_yaml(JOBS))
    monkeypatch.setenv("MLOPS_STACKS_BUNDLE_ROOT", str(root))
    monkeypatch.setenv("MLOPS_STACKS_NO_INPUT", "1")
    _cli("deploy", "-t", "staging", "--auto-approve")
    # Long enough that a read started after the state arrived cannot pass for one sent
    # beside it.
    db_env.latency = 0.3
    for command in (("plan", "-t", "staging"), ("deploy", "-t", "staging", "--auto-approve")):
        mark = db_env.mark()
        _cli(*command)
        seen = db_env.requests[mark:]
        # The bundle's current-user look-up and the workspace share one connection.
        _only(seen, "/.well-known/databricks-config")
        _only(seen, "/api/2.0/preview/scim/v2/Me")
        state = _only(seen, "/api/2.0/workspace/export", in_query=STATE_FILE)
        listing = _only(seen, "/api/2.2/jobs/list")
        assert listing.received < state.answered, command


def test_signing_in_leaves_the_sdk_services_unloaded(db_env: FakeDatabricks) -> None:
    code = (
        "import sys\n"
        "from mlops_stacks.workspace.databricks.auth import connect, me\n"
        f"print(me(connect({db_env.url!r}))['userName'])\n"
        "print(len([m for m in sys.modules if m.startswith('databricks.sdk.service.')]))\n"
        "print('databricks.sdk.service.jobs' in sys.modules)\n"
        # Code that wants the whole SDK (MLflow does this) still gets it.
        "from databricks.sdk import WorkspaceClient\n"
        "print(WorkspaceClient.__name__, 'databricks.sdk.service.jobs' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    user, services, jobs, whole = proc.stdout.splitlines()
    assert user == "jane.doe@example.com"
    assert int(services) < 10 and jobs == "False"
    assert whole == "WorkspaceClient True"
