"""artifacts: not needed at validate; built and checked by deploy before anything changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.bundle.bundle_testkit import write_files

ROOT = """\
bundle:
  name: wheels
include:
  - resources/*.yml
artifacts:
  default:
    type: whl
    build: {build}
    files:
      - source: dist/*.whl
targets:
  local:
    default: true
    workspace:
      host: local
"""
JOB = """\
resources:
  jobs:
    train:
      name: train
      tasks:
        - task_key: t
          python_wheel_task: {package_name: demo, entry_point: main}
          libraries:
            - whl: ../dist/*.whl
"""
BUILD = ("python -c \"import os; os.makedirs('dist', exist_ok=True); "
         "open('dist/demo-0.1-py3-none-any.whl', 'w').write('x')\"")


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "BUNDLE_"))}
    env.update(NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1", COLUMNS="200",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _project(tmp_path: Path, build: str) -> Path:
    write_files(tmp_path, {"databricks.yml": ROOT.format(build=build),
                           "resources/job.yml": JOB})
    return tmp_path


def test_validate_needs_no_wheel_and_deploy_builds_it(tmp_path: Path) -> None:
    root = _project(tmp_path, BUILD)
    validate = _cli(root, "validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert not (root / "dist").exists()
    deploy = _cli(root, "deploy", "--auto-approve")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert (root / "dist" / "demo-0.1-py3-none-any.whl").is_file()


def test_a_failing_build_stops_the_deploy_before_any_change(tmp_path: Path) -> None:
    root = _project(tmp_path, "\"echo compiler exploded >&2; exit 3\"")
    deploy = _cli(root, "deploy", "--auto-approve")
    assert deploy.returncode == 1
    assert "the build command failed (exit 3)" in deploy.stderr
    assert "compiler exploded" in deploy.stderr
    assert "Traceback" not in deploy.stderr
    assert not (root / ".mlops-stacks" / "local" / "state.json").exists()


def test_a_build_that_writes_nothing_is_named(tmp_path: Path) -> None:
    root = _project(tmp_path, "\"true\"")
    deploy = _cli(root, "deploy", "--auto-approve")
    assert deploy.returncode == 1
    assert "dist/*.whl matches no file after the build" in deploy.stderr
