"""What a Databricks command does before its real work: sign in once (a token from the
environment without the SDK; other credentials with only the part of the SDK they use),
and read the Jobs list while the state downloads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app
from mlops_stacks.workspace.databricks.token_auth import (
    SDK_DECIDES_ENV,
    TOKEN_NEUTRAL_ENV,
    token_config,
)
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


def _profile_only(server: FakeDatabricks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials from a profile of the config file: databricks-sdk configures them."""
    cfg = tmp_path / "databrickscfg"
    cfg.write_text(f"[staging]\nhost = {server.url}\ntoken = {server.token}\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.delenv("DATABRICKS_HOST")


@pytest.mark.parametrize("credentials", ["token", "profile"])
def test_plan_and_a_no_op_deploy_sign_in_once_and_list_jobs_beside_the_state(
    credentials: str, tmp_path: Path, db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "start", db_env.url, jobs_yaml(JOBS))
    monkeypatch.setenv("MLOPS_STACKS_BUNDLE_ROOT", str(root))
    monkeypatch.setenv("MLOPS_STACKS_NO_INPUT", "1")
    if credentials == "profile":
        _profile_only(db_env, monkeypatch, tmp_path)
    _cli("deploy", "-t", "staging", "--auto-approve")
    # Long enough that a read started after the state arrived cannot pass for one sent
    # beside it.
    db_env.latency = 0.3
    for command in (("plan", "-t", "staging"), ("deploy", "-t", "staging", "--auto-approve")):
        mark = db_env.mark()
        _cli(*command)
        seen = db_env.requests[mark:]
        probes = [r for r in seen if r.path == "/.well-known/databricks-config"]
        # The SDK probes the host when it configures a connection: the bundle's current-user
        # look-up and the workspace share one. A token alone needs no SDK, and no probe.
        assert len(probes) == (1 if credentials == "profile" else 0), command
        _only(seen, "/api/2.0/preview/scim/v2/Me")
        state = _only(seen, "/api/2.0/workspace/export", in_query=STATE_FILE)
        listing = _only(seen, "/api/2.2/jobs/list")
        assert listing.received < state.answered, command


SIGN_IN = (
    "import sys\n"
    "from mlops_stacks.workspace.databricks.auth import connect, me\n"
    "conn = connect(sys.argv[1], sys.argv[2] or None)\n"
    "print(me(conn)['userName'], conn.ctx.credential_source)\n"
    "print('databricks.sdk.config' in sys.modules)\n"
    "print(len([m for m in sys.modules if m.startswith('databricks.sdk.service.')]))\n"
    # Code that wants the whole SDK (MLflow does this) still gets it.
    "names = {}\n"
    "exec('from databricks.sdk import *', names)\n"
    "from databricks.sdk import WorkspaceClient\n"
    "print(WorkspaceClient.__name__, 'WorkspaceClient' in names,\n"
    "      'databricks.sdk.service.jobs' in sys.modules)\n"
)


def _sign_in(server: FakeDatabricks, profile: str = "") -> list[str]:
    proc = subprocess.run([sys.executable, "-c", SIGN_IN, server.url, profile],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_a_token_signs_in_without_the_sdk(db_env: FakeDatabricks) -> None:
    user, sdk, services, whole = _sign_in(db_env)
    assert user == "jane.doe@example.com personal access token from DATABRICKS_TOKEN"
    assert (sdk, services, whole) == ("False", "0", "WorkspaceClient True True")
    # The fake answers only requests with the token (``Authorization: Bearer``), and saw
    # no host-metadata probe.
    assert [r.path for r in db_env.requests] == ["/api/2.0/preview/scim/v2/Me"]


def test_a_profile_signs_in_with_the_sdk_without_its_service_modules(
    db_env: FakeDatabricks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _profile_only(db_env, monkeypatch, tmp_path)
    user, sdk, services, whole = _sign_in(db_env, "staging")
    assert user.startswith("jane.doe@example.com personal access token from profile 'staging'")
    assert sdk == "True" and int(services) < 10
    assert whole == "WorkspaceClient True True"


@pytest.mark.parametrize("name", sorted(SDK_DECIDES_ENV))
def test_other_credentials_in_the_environment_leave_the_choice_to_the_sdk(name: str) -> None:
    env = {"DATABRICKS_TOKEN": "dapi-x", name: "set"}
    assert token_config("https://ws.example.com", None, env) is None
    assert token_config("https://ws.example.com", None, {"DATABRICKS_TOKEN": "dapi-x"})


def test_the_token_shortcut_knows_every_setting_of_the_sdk() -> None:
    from databricks.sdk.config import Config

    read = {a.env for a in Config.attributes() if a.env}
    assert read - SDK_DECIDES_ENV - TOKEN_NEUTRAL_ENV == set()
    other_credentials = {a.env for a in Config.attributes()
                         if a.env and a.auth not in (None, "pat")}
    assert other_credentials <= SDK_DECIDES_ENV
    for host in ("https://ws.example.com:443", "https://ws.example.com/path", "ws.example.com"):
        assert token_config(host, None, {"DATABRICKS_TOKEN": "dapi-x"}) is None, host
    assert token_config("https://ws.example.com", "prof", {"DATABRICKS_TOKEN": "dapi-x"}) is None
    assert token_config("https://ws.example.com", None,
                        {"DATABRICKS_TOKEN": "dapi-x", "DATABRICKS_AUTH_TYPE": "oauth-m2m"}) is None


def test_the_cli_and_the_deploy_code_load_no_runner_model_server_or_sdk() -> None:
    """Every command imports the CLI; plan and deploy the deploy code and the backend.
    Job runs, the model server and databricks-sdk load only where they are used."""
    code = (
        "import sys\n"
        "import mlops_stacks.cli.app, mlops_stacks.deploy\n"
        "import mlops_stacks.workspace.databricks.backend\n"
        "print(sorted(m for m in sys.modules if m in ('mlops_stacks.runner', "
        "'mlops_stacks.serving.server', 'databricks.sdk', 'mlflow')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
