"""``init`` stopped by SIGTERM or a closed terminal (SIGHUP) cleans up as on Ctrl-C; after
SIGKILL, which nothing can catch, the next ``init`` says the folder holds a killed init."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

INIT = [sys.executable, "-m", "mlops_stacks", "init", "--defaults", "--data", "project_name=demo"]


def _start_and_stop_mid_render(out: Path, sig: signal.Signals) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    proc = subprocess.Popen([*INIT, str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    marker = out.parent / f".{out.name}.mlops-stacks-init"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if marker.exists() and out.is_dir() and any(out.rglob("*.py")):
            proc.send_signal(sig)
            break
        time.sleep(0.02)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0, "init finished before it could be stopped"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_init_leaves_nothing_and_a_second_one_works(
    tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "p"
    _start_and_stop_mid_render(out, sig)
    assert not out.exists(), sorted(str(p) for p in out.rglob("*"))[:10]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_killed_init_is_named_as_such_by_the_next_one(tmp_path: Path) -> None:
    out = tmp_path / "p"
    _start_and_stop_mid_render(out, signal.SIGKILL)
    again = subprocess.run([*INIT, str(out)], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "MLOPS_STACKS_NO_INPUT": "1"})  # fmt: skip
    assert again.returncode == 1
    assert "init was killed before it finished" in again.stderr, again.stderr
    assert f"rm -rf {out}" in again.stderr
