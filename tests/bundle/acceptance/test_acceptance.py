"""Acceptance: broken bundles through the real ``mlops-stacks validate``.

Each directory under ``cases/`` is one bundle (its YAML files, notebooks) plus:

- ``case.txt``: ``args: <extra validate arguments>``, ``at: <file>:<line>`` (where
  a diagnostic must point) and ``exit: <code>`` (default 1), one per line;
- ``output.txt``: the expected stdout and stderr of the command, with the
  bundle directory shown as ``$ROOT``.

Refresh the expected outputs after an intended change with::

    MLOPS_STACKS_UPDATE_ACCEPTANCE=1 pytest tests/bundle/acceptance

and review the diff before committing.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
UPDATE = os.environ.get("MLOPS_STACKS_UPDATE_ACCEPTANCE") == "1"
META_FILES = ("case.txt", "output.txt")


def _meta(case: Path) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in (case / "case.txt").read_text().splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip()] = value.strip()
    return meta


def _run(case: Path, workdir: Path) -> tuple[int, str]:
    bundle = workdir / case.name
    shutil.copytree(case, bundle, ignore=shutil.ignore_patterns(*META_FILES))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABRICKS_", "BUNDLE_VAR_", "GITHUB_ACTIONS",
                                "MLOPS_STACKS_BUNDLE_ROOT"))}
    env.update(NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1", COLUMNS="200")
    args = shlex.split(_meta(case).get("args", ""))
    result = subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "validate", *args],
        cwd=bundle, env=env, capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + ("\n--- stderr ---\n" + result.stderr if result.stderr else "")
    output = output.replace(str(bundle.resolve()), "$ROOT").replace(str(bundle), "$ROOT")
    return result.returncode, output


@pytest.mark.parametrize("case", sorted(p for p in CASES.iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_broken_bundle(case: Path, tmp_path: Path) -> None:
    meta = _meta(case)
    code, output = _run(case, tmp_path)
    assert "Traceback" not in output, output
    assert code == int(meta.get("exit", "1")), output
    if meta.get("at"):
        assert f"in {meta['at']}:" in output, f"no diagnostic at {meta['at']}:\n{output}"
    expected = case / "output.txt"
    if UPDATE or not expected.exists():
        expected.write_text(output)
        if not UPDATE:
            pytest.fail(f"wrote missing {expected.name} for {case.name}; review and commit it")
    assert output == expected.read_text()


def test_there_are_enough_cases() -> None:
    assert len([p for p in CASES.iterdir() if p.is_dir()]) >= 25
