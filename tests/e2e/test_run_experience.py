"""A data scientist's loop on a freshly generated project, through the real CLI: expected
outcomes read as verdicts (not crashes), results after each run, output that fits an
80-column terminal and pipes, and every example of every ``--help`` runs as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.help_examples import commands, examples

pytestmark = pytest.mark.slow

RUN_ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-f]{6}\b")

#: Examples that cannot run on a fresh local project, and why.
NOT_HERE = [
    (re.compile(r" -t (staging|prod|dev)\b"), "needs a Databricks workspace"),
    (re.compile(r"^mlops-stacks (serve|open)\b"), "a server that runs until Ctrl-C "
     "(tests/e2e/test_local_pipeline.py and tests/cli/test_open_and_models.py run them)"),
    (re.compile(r"^mlops-stacks init$"), "asks the questions at a terminal"),
    (re.compile(r"--config-file answers.yml"), "needs the user's answers file"),
    (re.compile(r"--vcs-ref v2\.0\.0"), "needs a later release of the template"),
    (re.compile(r"^mlops-stacks destroy$"), "asks before deleting (run with --auto-approve "
     "below)"),
    (re.compile(r"^mlops-stacks template test .*--all"), "renders every answer combination "
     "(minutes); tests/scaffold runs it"),
    (re.compile(r"^mlops-stacks cicd (check|setup --apply)"), "needs real workspace hosts and "
     "a logged-in gh (tests/cicd run it against the test workspace and a gh stand-in)"),
    (re.compile(r"^mlops-stacks sql "), "queries a Spark project's tables "
     "(tests/runner/spark/test_fare_project.py runs it on one)"),
]


def cli(*args: str, cwd: Path, shell: str | None = None, timeout: int = 900
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    env.pop("DATABRICKS_BUNDLE_TARGET", None)
    if shell is not None:
        python = shlex.quote(sys.executable)
        return subprocess.run(shell.replace("mlops-stacks", f"{python} -m mlops_stacks", 1),
                              shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    return subprocess.run([sys.executable, "-m", "mlops_stacks", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("loop")
    made = cli("init", "--defaults", "--data", "project_name=demo", "repo", cwd=base)
    assert made.returncode == 0, made.stderr
    root = base / "repo" / "demo"
    deployed = cli("deploy", "--auto-approve", cwd=root)
    assert deployed.returncode == 0, deployed.stderr
    return root


def test_1_batch_inference_before_training_says_so_once(project: Path) -> None:
    proc = cli("run", "batch_inference_job", cwd=project)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert out.count("has no 'champion' version yet; run the training job") == 1, out
    assert "Traceback" not in out
    log = re.search(r"^Log: (\S+)$", proc.stderr, re.M)
    assert log and Path(log.group(1)).is_file() and "Traceback" in Path(log.group(1)).read_text()


def test_2_training_shows_what_it_produced(project: Path) -> None:
    proc = cli("run", "model_training_job", cwd=project)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^  ModelDeployment  SUCCESS  .*result: promoted version 1 to champion",
                     out, re.M), out
    assert "holdout_r2_score=" in out
    registered = re.search(r"^  (\S+): version 1 registered$", out, re.M)
    assert registered, out
    assert not registered.group(1).endswith("_model_model")  # one suffix, not two
    assert re.search(r": @champion set to version 1$", out, re.M)
    assert "MLflow UI (after `mlops-stacks open`): http://127.0.0.1:5000/#/experiments/" in out
    assert "succeeded" not in out and out.count(" SUCCESS in ") == 1  # success said once


def test_3_validation_rejecting_a_model_is_one_plain_verdict(project: Path) -> None:
    proc = cli("run", "model_training_job", "--params", "n_estimators=1,max_depth=1",
               cwd=project)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert out.count("validation rejected models:/") == 1, out
    assert "Error: Task ModelValidation of model_training_job failed: ValidationFailed: " \
        "validation rejected" in proc.stderr
    assert "r2_score" in proc.stderr and "Traceback" not in out
    assert "ModelDeployment  SKIPPED" in out
    assert re.search(r"^Log: \S+ModelValidation\.log$", proc.stderr, re.M)


def test_4_a_model_that_is_not_better_is_not_promoted_and_the_run_succeeds(
        project: Path) -> None:
    proc = cli("run", "model_training_job", "--params",
               "n_estimators=1,max_depth=1,validation_mode=dry_run", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "result: not promoted, champion stays version 1" in proc.stdout
    assert re.search(r": @champion kept at version 1$", proc.stdout, re.M)
    assert re.search(r": @challenger moved from version 1 to 3$", proc.stdout, re.M)


def test_5_batch_inference_names_its_output(project: Path) -> None:
    proc = cli("run", "batch_inference_job", "-o", "json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    outputs = json.loads(proc.stdout)["results"]["outputs"]
    files = project / ".mlops-stacks" / "local" / "files"
    assert outputs and all(Path(p).is_file() and Path(p).is_relative_to(files / "outputs")
                           for p in outputs), outputs
    text = cli("run", "batch_inference_job", cwd=project).stdout
    assert f"Outputs:\n  {outputs[0]}\n" in text


def test_6_runs_list_fits_80_columns_and_pipes_one_run_per_line(project: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    ids = [r["run_id"] for r in json.loads(
        cli("runs", "list", "-o", "json", cwd=project).stdout)]
    assert len(ids) >= 5
    piped = cli("runs", "list", cwd=project).stdout.splitlines()
    assert piped[0].split("\t") == ["Run", "Job", "State", "Started", "Duration"]
    assert [line.split("\t")[0] for line in piped[1:]] == ids

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "mlops_stacks", "runs", "list"], cwd=project,
                            stdin=slave, stdout=slave, stderr=slave, env={**env, "TERM": "xterm"})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode())
    assert all(len(line) <= 80 for line in screen.splitlines()), screen
    assert RUN_ID.findall(screen) == ids, screen  # every ID whole, copyable


def test_7_every_help_example_runs_on_a_fresh_project(project: Path, tmp_path: Path) -> None:
    found = [(path, line) for path, cmd in commands() for line in examples(cmd.help or "")]
    seen: set[str] = set()
    ran, skipped, failures = [], [], []
    destroy = []
    for path, line in found:
        line = line.split("  #")[0].strip()
        if line in seen:
            continue
        seen.add(line)
        reason = next((why for pattern, why in NOT_HERE if pattern.search(line)), None)
        if reason:
            skipped.append((line, reason))
            continue
        if line.startswith("mlops-stacks destroy"):
            destroy.append(line)
            continue
        cwd = project
        if path[:1] in (["init"], ["schema"], ["template"]):
            cwd = tmp_path / "work"  # they write files (also ../DIR): not into the project
            cwd.mkdir(exist_ok=True)
        elif path[:1] == ["update"]:
            cwd = project.parent
        if "RUN_ID" in line:
            runs = json.loads(cli("runs", "list", "model_training_job", "-o", "json",
                                  cwd=project).stdout)
            line = line.replace("RUN_ID", runs[0]["run_id"])
        proc = cli(cwd=cwd, shell=line)
        ran.append(line)
        if proc.returncode != 0 or "Traceback" in proc.stderr:
            failures.append(f"{line}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    for line in destroy:
        proc = cli(cwd=project, shell=line + (" --auto-approve" if "--auto-approve" not in line
                                              else ""))
        ran.append(line)
        if proc.returncode != 0:
            failures.append(f"{line}\n{proc.stderr}")
    assert not failures, "\n\n".join(failures)
    assert len(ran) >= 25, (ran, skipped)
