"""``open`` in a second project while the first project's MLflow UI holds the port: the
second project gets its own UI (on a free port, said so), never the first one's."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.bundle_project import cli, make_project


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _experiments(url: str) -> set[str]:
    req = urllib.request.Request(
        url + "/api/2.0/mlflow/experiments/search", method="POST",
        data=json.dumps({"max_results": 100}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return {e["name"] for e in json.loads(resp.read())["experiments"]}


def _open(project: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``open --no-browser`` and read its output until it says it is ready."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", "open", "--no-browser", "--port", str(port)],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C") or "already runs" in line:
            break
    return proc, lines


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.slow  # two MLflow UI servers
def test_open_in_a_second_project_starts_its_own_ui_instead_of_showing_the_first(
        tmp_path: Path) -> None:
    first = make_project(tmp_path / "first")
    second = make_project(tmp_path / "second")
    (second / "resources" / "ml-artifacts-resource.yml").write_text(
        (second / "resources" / "ml-artifacts-resource.yml").read_text().replace(
            "-demo-experiment", "-other-experiment"))
    for project in (first, second):
        cli(project, "deploy", check=True)
    port = _free_port()
    a, a_lines = _open(first, port)
    try:
        assert any(f"http://127.0.0.1:{port}" in x for x in a_lines), a_lines
        first_url = f"http://127.0.0.1:{port}"
        assert any(n.endswith("local-demo-experiment") for n in _experiments(first_url))

        b, b_lines = _open(second, port)
        try:
            out = "".join(b_lines)
            assert "already runs" not in out, out
            assert f"Port {port} serves another MLflow store" in out, out
            url = next(x for x in b_lines if x.startswith("Opening")).split(": ", 1)[1].strip()
            second_url = url.rstrip("/")
            assert second_url != first_url and second_url.startswith("http://127.0.0.1:")
            names = _experiments(second_url)
            assert any(n.endswith("local-other-experiment") for n in names), names
            assert not any(n.endswith("local-demo-experiment") for n in names), names
            # The first project's open still finds its own UI on the port.
            again = cli(first, "open", "--no-browser", "--port", str(port), check=True)
            assert f"already runs at {first_url}" in again.stdout
        finally:
            _stop(b)
    finally:
        _stop(a)
