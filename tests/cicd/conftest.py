"""A generated repository whose workspaces are the fake Databricks server, and the
stand-ins for ``gh``, ``az`` and ``glab`` first on PATH.

``Harness.cli`` runs ``mlops-stacks`` in this process (typer's runner) in the
repository's project folder, as a user would from a shell there; everything it
printed is kept in ``outputs`` so tests can look for secret values in it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.databricks.conftest import server  # noqa: F401  (fixture)
from tests.databricks.fake_server import FakeDatabricks

BIN = Path(__file__).resolve().parent / "bin"
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "TF_BUILD", "GITLAB_CI")


def render(out: Path, **answers: str) -> Path:
    answers = {"project_name": "demo", **answers}
    data = [x for k, v in answers.items() for x in ("--data", f"{k}={v}")]
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "init", "--defaults", "--no-git", *data, str(out)],
        capture_output=True, text=True, env={**os.environ, "MLOPS_STACKS_NO_INPUT": "1"},
        timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def point_hosts_at(project: Path, url: str) -> None:
    """The edit a user makes: every Databricks target's host becomes ``url``."""
    path = project / "databricks.yml"
    text = re.sub(r"(\n      host: )https://\S+", lambda m: m.group(1) + url, path.read_text())
    path.write_text(text)


@dataclass
class Harness:
    root: Path
    server: FakeDatabricks
    state_file: Path
    monkeypatch: pytest.MonkeyPatch
    outputs: list[str] = field(default_factory=list)

    @property
    def project(self) -> Path:
        return self.root / "demo"

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text()) if self.state_file.is_file() else {}

    def log_in(self, program: str, logged_in: bool = True) -> None:
        state = self.state()
        state.setdefault("logged_in", {})[program] = logged_in
        self.state_file.write_text(json.dumps(state))

    def calls(self, *prefix: str) -> list[list[str]]:
        return [c for c in self.state().get("calls", []) if c[:len(prefix)] == list(prefix)]

    def point_hosts(self) -> None:
        point_hosts_at(self.project, self.server.url)

    def cli(self, *args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
        from typer.testing import CliRunner

        from mlops_stacks.cli import terminal
        from mlops_stacks.cli.app import app

        terminal.reset()
        with self.monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            patch.chdir(self.project)
            result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        terminal.reset()
        text = result.stdout + (result.stderr if result.stderr_bytes is not None else "")
        self.outputs.append(text)
        assert result.exit_code == code, text
        return text


def make_harness(rendered: Path, tmp_path: Path, server: FakeDatabricks,  # noqa: F811
                 monkeypatch: pytest.MonkeyPatch) -> Harness:
    root = tmp_path / "repo"
    shutil.copytree(rendered, root)
    for key in list(os.environ):
        if key.startswith(("DATABRICKS_", "ARM_")) or key in CI_VARIABLES:
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATABRICKS_TOKEN", server.token)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_RETRIES", "2")
    monkeypatch.setenv("MLOPS_STACKS_DATABRICKS_RETRY_DELAY", "0.01")
    state_file = tmp_path / "standin-state.json"
    monkeypatch.setenv("STANDIN_STATE", str(state_file))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
                               f"{os.environ.get('PATH', '')}")  # fmt: skip
    return Harness(root, server, state_file, monkeypatch)


@pytest.fixture(scope="session")
def github_aws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("gh") / "repo", cloud="aws")


@pytest.fixture
def harness(github_aws: Path, tmp_path: Path, server: FakeDatabricks,  # noqa: F811
            monkeypatch: pytest.MonkeyPatch) -> Harness:
    return make_harness(github_aws, tmp_path, server, monkeypatch)
