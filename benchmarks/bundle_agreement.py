"""How often ``mlops-stacks validate`` reaches the Databricks CLI's verdict on public bundles.

Reads a fetched git directory (nothing of it is copied into this project):

    python benchmarks/bundle_agreement.py examples GIT_DIR [--venvs]
        Every databricks.yml of a bundle-examples checkout, every target:
        prints each target's verdict (ok / errors / traceback) and the totals.
        --venvs first creates the Python environment each example with
        `python:` resources names (as its README's `uv sync` would), with the
        databricks-bundles version it pins.
    python benchmarks/bundle_agreement.py cli GIT_DIR [--folders validate,variables,...]
        The Databricks CLI's acceptance cases (acceptance/bundle/<folder>/...):
        runs each case's script in a temporary copy of the case (as the CLI's
        acceptance runner does, with its script.prepare helpers), with $CLI
        standing for a stand-in that runs our validate for `bundle validate`
        and does nothing for other commands; then compares error / no error of
        every traced validate with the exit code output.txt records. Prints
        the agreement, and every disagreement. Validate runs whose script
        needs a command we do not have (bundle init, a workspace) are skipped
        and counted.

GIT_DIR is a bare git directory (e.g. what the search tool's fetch brings);
its HEAD is unpacked into a temporary directory. ``--jobs N`` runs N
validations at a time (default 2). ``--show-agreeing`` lists agreeing cases too.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import tomllib
import yaml

#: The folders of the CLI's acceptance suite that are about loading and validating.
DEFAULT_FOLDERS = ("validate", "variables", "override", "includes", "paths", "presets",
                   "run_as", "resources")

#: Errors that need a value only the user can give (examples ship placeholders).
USER_VALUE = re.compile(r"no value|has no default|must be set|placeholder|<your|"
                        r"not a valid workspace host|example\.com|no Python environment at",
                        re.I)
#: Hosts the examples ship as placeholders for the user's workspace.
PLACEHOLDER_HOST = re.compile(r"your-workspace|company\.databricks\.com|xxxx|<", re.I)


_OUR_TRACEBACK = re.compile(r'Traceback \(most recent call last\):\n(?:.*\n)*?\s+File "[^"]*'
                            r'mlops_stacks/')


@dataclass
class Run:
    name: str
    cwd: Path
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    expected_error: bool | None = None
    placeholder: bool = False
    """The target's host is a placeholder the user replaces."""
    code: int | None = None
    output: str = ""

    @property
    def errored(self) -> bool:
        return self.code not in (0, None)

    @property
    def traceback(self) -> bool:
        """Our own crash (a traceback through mlops_stacks), not the user's code's traceback
        that a diagnostic quotes (e.g. a python: resources module that fails to import)."""
        return bool(_OUR_TRACEBACK.search(self.output))


def unpack(git_dir: Path, into: Path, paths: list[str] | None = None) -> None:
    archive = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "HEAD", *(paths or [])],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABRICKS_", "BUNDLE_VAR_", "GITHUB_ACTIONS",
                                "MLOPS_STACKS_BUNDLE_ROOT"))}
    env.update(NO_COLOR="1", MLOPS_STACKS_NO_INPUT="1", COLUMNS="200")
    env.update(extra)
    return env


def execute(run: Run) -> Run:
    try:
        proc = subprocess.run([sys.executable, "-m", "mlops_stacks", "validate", *run.args],
                              cwd=run.cwd, env=clean_env(run.env), capture_output=True,
                              text=True, timeout=120)
        run.code, run.output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired:
        run.code, run.output = -1, "timed out"
    return run


def run_all(runs: list[Run], jobs: int) -> list[Run]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(execute, runs))


def first_problem(output: str) -> str:
    if output.lstrip().startswith("{"):
        try:
            data = json.loads(output[: output.rindex("}") + 1])
        except ValueError:
            data = {}
        for diag in data.get("diagnostics") or []:
            if diag.get("severity") == "error":
                return "Error: " + str(diag.get("summary"))[:150]
    for line in output.splitlines():
        if line.startswith(("Error:", "Traceback")):
            return line[:160]
    return output.strip().splitlines()[-1][:160] if output.strip() else ""


# -- bundle-examples ------------------------------------------------------------------------
def example_runs(root: Path) -> list[Run]:
    runs = []
    for path in sorted(root.rglob("databricks.yml")):
        if "/template/" in str(path) or "{{" in path.read_text(errors="replace"):
            continue  # templates of bundles, not bundles
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError:
            data = {}
        targets = (data.get("targets") or {}) if isinstance(data, dict) else {}
        for target in list(targets) or [None]:
            rel = str(path.parent.relative_to(root))
            args = ["-t", target] if target else []
            run = Run(f"{rel} -t {target}" if target else rel, path.parent, args)
            host = ((targets.get(target) or {}).get("workspace") or {}).get("host") \
                if target else None
            run.placeholder = bool(host and PLACEHOLDER_HOST.search(str(host)))
            runs.append(run)
    return runs


_PIN = re.compile(r"databricks-bundles==([0-9][\w.]*)")


def make_venvs(root: Path) -> list[str]:
    """What each example's README asks for (`uv sync`): the ``python.venv_path`` environment
    with the databricks-bundles version its pyproject.toml pins. Returns one line per venv."""
    made = []
    for path in sorted(root.rglob("databricks.yml")):
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError:
            continue
        venv = ((data.get("python") or {}) if isinstance(data, dict) else {}).get("venv_path")
        if not isinstance(venv, str) or "{{" in path.read_text():
            continue
        pyproject = path.parent / "pyproject.toml"
        pin = _PIN.search(pyproject.read_text()) if pyproject.exists() else None
        requirement = f"databricks-bundles=={pin.group(1)}" if pin else "databricks-bundles"
        target = path.parent / venv
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
        subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "-q",
                        requirement], check=True, capture_output=True)
        made.append(f"{path.parent.relative_to(root)}: python -m venv {venv} && "
                    f"{venv}/bin/pip install {requirement}")
    return made


def report_examples(runs: list[Run]) -> int:
    ok = [r for r in runs if not r.errored]
    user = [r for r in runs if r.errored and not r.traceback
            and (USER_VALUE.search(r.output) or r.placeholder)]
    other = [r for r in runs if r.errored and r not in user]
    for r in runs:
        verdict = "ok" if not r.errored else ("needs a user value" if r in user else "ERROR")
        print(f"{verdict:<20} {r.name}" + (f"\n{'':<21}{first_problem(r.output)}"
                                             if r.errored else ""))
    tracebacks = sum(r.traceback for r in runs)
    print(f"\n{len(runs)} targets: {len(ok)} valid, {len(user)} need a user value, "
          f"{len(other)} other errors, {tracebacks} tracebacks")
    return 0 if not other and not tracebacks else 1


# -- the CLI's acceptance cases -------------------------------------------------------------
_BLOCK = re.compile(r"^>>> (.*)$", re.M)
_EXIT = re.compile(r"^Exit code: (\d+)", re.M)


def _case_env(case: Path, top: Path) -> dict[str, str]:
    """``[Env]`` of the case's test.toml files (parents first), and the first value of
    each ``EnvMatrix`` entry (the CLI runs every combination; one is enough here)."""
    env: dict[str, str] = {}
    chain = [case, *case.parents]
    for folder in reversed(chain[: len(chain) - len(top.parents)]):
        toml = folder / "test.toml"
        if toml.exists():
            try:
                data = tomllib.loads(toml.read_text())
            except tomllib.TOMLDecodeError:
                continue
            env.update({k: str(v) for k, v in (data.get("Env") or {}).items()})
            env.update({k: str(v[0]) for k, v in (data.get("EnvMatrix") or {}).items()
                        if isinstance(v, list) and v})
    return env


#: $CLI in the scripts: runs our validate for `bundle validate`, records it, and does
#: nothing (exit 0) for every other command. A traced validate exits as the CLI's did,
#: so that the script takes the same path (our own exit code is what is compared).
_SHIM = """#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
if args[:2] != ["bundle", "validate"]:
    sys.exit(0)
env = {{k: v for k, v in os.environ.items() if k not in ("DATABRICKS_HOST", "DATABRICKS_TOKEN")}}
proc = subprocess.run([{python!r}, "-m", "mlops_stacks", "validate", *args[2:]], env=env,
                      capture_output=True, text=True, timeout=120)
sys.stdout.write(proc.stdout)
sys.stderr.write(proc.stderr)
traced = os.environ.get("MLOPS_AGREEMENT_TRACED") == "1"
path = os.environ["MLOPS_AGREEMENT_LOG"]
done = sum(json.loads(line)["traced"] for line in open(path)) if os.path.exists(path) else 0
with open(path, "a") as log:
    log.write(json.dumps({{"args": args[2:], "code": proc.returncode, "cwd": os.getcwd(),
                          "traced": traced, "output": proc.stdout + proc.stderr}}) + "\\n")
# The script goes on as it did under the CLI: a traced run exits as the CLI's did.
expected = json.loads(os.environ["MLOPS_AGREEMENT_EXPECTED"])
code = proc.returncode
if traced and done < len(expected):
    code = 1 if expected[done] else 0
sys.exit(code)
"""

#: Runs after the acceptance root's script.prepare: marks traced commands, and stands in
#: for uv (venvs from this Python; the packages validate needs are already installed).
_PRELUDE = r"""
eval "$(declare -f trace | sed '1s/^trace/_agreement_trace/')"
trace() {
    local MLOPS_AGREEMENT_TRACED=1
    export MLOPS_AGREEMENT_TRACED
    _agreement_trace "$@"
}
uv() {
    case "$1" in
        run) shift; while [[ "${1:-}" == -* ]]; do shift; done; "$@" ;;
        venv) shift; local dir=.venv; for a in "$@"; do [[ "$a" != -* ]] && dir="$a"; done
              "$MLOPS_AGREEMENT_PYTHON" -m venv --system-site-packages "$dir" ;;
        *) return 0 ;;
    esac
}
export UV_ARGS=""
"""


@dataclass
class Case:
    """One acceptance case: its folder and the validate runs output.txt records."""

    path: Path
    name: str
    blocks: list[tuple[str, list[str], bool]]
    """(command as traced, validate's arguments, whether the CLI reported an error)."""
    env: dict[str, str]
    runs: list[Run] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def cli_cases(top: Path) -> list[Case]:
    cases = []
    for output in sorted(top.rglob("output.txt")):
        case = output.parent
        text = output.read_text(errors="replace")
        script = (case / "script").read_text(errors="replace") if (case / "script").exists() \
            else ""
        # `musterr trace $CLI ...` shows only the command in output.txt: read it from the
        # script, line by line when its traced validate lines match the blocks one to one.
        traced = [line for line in script.splitlines() if "trace" in line
                  and "bundle validate" in line and not line.lstrip().startswith("#")]
        must_fail = {line.split("bundle validate", 1)[1].strip() for line in script.splitlines()
                     if "musterr" in line and "bundle validate" in line}
        found = list(_BLOCK.finditer(text))
        blocks = []
        for i, match in enumerate(found):
            command = match.group(1)
            if "bundle validate" not in command:
                continue
            body = text[match.end(): found[i + 1].start() if i + 1 < len(found) else None]
            words = shlex.split(command.replace("[CLI]", "CLI"), posix=True)
            if "CLI" not in words or words[words.index("CLI") + 1:][:2] != ["bundle", "validate"]:
                continue  # e.g. `uv run ... CLI bundle validate` is still CLI; benchmark.py is not
            if "trace" in words[: words.index("CLI")]:
                continue  # `trace trace CLI ...`: the inner trace shows the command again
            args = words[words.index("validate") + 1:]
            exit_code = _EXIT.search(body)
            shown = ("musterr" in words[: words.index("CLI")]
                     or bool(exit_code and exit_code.group(1) != "0"))
            blocks.append((command, args, shown))
        aligned = len(traced) == len(blocks)
        blocks = [(c, a, shown or ("musterr" in traced[i] if aligned
                                   else " ".join(a) in must_fail))
                  for i, (c, a, shown) in enumerate(blocks)]
        if blocks:
            cases.append(Case(case, str(case.relative_to(top)), blocks, _case_env(case, top)))
    return cases


def _script(case: Path, acceptance: Path) -> str:
    """The case's script as the CLI's runner assembles it (prepare scripts, root first)."""
    prepares = [p / "script.prepare" for p in reversed([case, *case.parents])
                if p.is_relative_to(acceptance) and (p / "script.prepare").exists()]
    root, rest = prepares[:1], prepares[1:]
    parts = [p.read_text() for p in root] + [_PRELUDE] + [p.read_text() for p in rest]
    return "\n".join(parts + ["(\n" + (case / "script").read_text() + "\n)\n"])


def run_case(case: Case, acceptance: Path, work: Path) -> Case:
    """Run the case's script in a copy of its folder; match the validate runs it made
    (in order) with the ones output.txt records."""
    if not (case.path / "script").exists():
        case.skipped = [f"{case.name}: {c}  (no script)" for c, _, _ in case.blocks]
        return case
    if os.geteuid() == 0 and "chmod 000" in (case.path / "script").read_text():
        case.skipped = [f"{case.name}: {c}  (takes read permissions away, which do not "
                        "apply to root)" for c, _, _ in case.blocks]
        return case
    tmp = Path(tempfile.mkdtemp(prefix="case-", dir=work))
    shutil.copytree(case.path, tmp, dirs_exist_ok=True)
    log, shim = tmp.parent / f"{tmp.name}.log", tmp.parent / f"{tmp.name}-cli"
    shim.write_text(_SHIM.format(python=sys.executable))
    shim.chmod(0o755)
    entry = tmp.parent / f"{tmp.name}.sh"
    entry.write_text(_script(case.path, acceptance))
    env = clean_env(case.env)
    env.update(CLI=str(shim), TESTDIR=str(case.path), TEST_TMP_DIR=str(tmp),
               MLOPS_AGREEMENT_LOG=str(log), MLOPS_AGREEMENT_PYTHON=sys.executable,
               MLOPS_AGREEMENT_EXPECTED=json.dumps([e for _, _, e in case.blocks]),
               UNIQUE_NAME="agreement", PATH=f"{acceptance / 'bin'}:{os.environ['PATH']}")
    try:
        subprocess.run(["bash", "-euo", "pipefail", str(entry)], cwd=tmp, env=env,
                       capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pass
    made = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    made = [m for m in made if m["traced"]]
    for i, (command, args, expected) in enumerate(case.blocks):
        name = f"{case.name}: {command}"
        if i >= len(made):
            case.skipped.append(f"{name}  (the script did not get there: it needs a command "
                                "or a workspace mlops-stacks stands in for)")
            continue
        if made[i]["args"] != args and not any("[" in a for a in args):
            case.skipped.extend(f"{case.name}: {c}  (runs out of order)"
                                for c, _, _ in case.blocks[i:])
            break
        run = Run(name, Path(made[i]["cwd"]), args, expected_error=expected)
        run.code, run.output = made[i]["code"], made[i]["output"]
        case.runs.append(run)
    return case


def run_cases(cases: list[Case], acceptance: Path, jobs: int) -> list[Case]:
    with tempfile.TemporaryDirectory(prefix="cases-") as work, \
            concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda c: run_case(c, acceptance, Path(work)), cases))


def report_cli(runs: list[Run], skipped: list[str], show_agreeing: bool) -> int:
    for r in runs:
        if r.code == 2 and "No such option" in r.output:
            skipped.append(f"{r.name}  (an option mlops-stacks does not have)")
    runs = [r for r in runs if not (r.code == 2 and "No such option" in r.output)]
    agree = [r for r in runs if r.errored == r.expected_error and not r.traceback]
    differ = [r for r in runs if r not in agree]
    for r in differ:
        theirs = "error" if r.expected_error else "no error"
        ours = "traceback" if r.traceback else ("error" if r.errored else "no error")
        print(f"DIFFER  {r.name}\n        CLI: {theirs}; ours: {ours}"
              + (f": {first_problem(r.output)}" if r.errored else ""))
    if show_agreeing:
        for r in agree:
            print(f"agree   {r.name}")
    share = 100.0 * len(agree) / len(runs) if runs else 0.0
    tracebacks = sum(r.traceback for r in runs)
    for line in sorted(skipped):
        print(f"skipped {line}")
    print(f"\n{len(runs)} validate runs compared ({len(skipped)} skipped, listed above): "
          f"{len(agree)} agree ({share:.1f}%), {len(differ)} differ, {tracebacks} tracebacks")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("examples", "cli"))
    parser.add_argument("git_dir", type=Path)
    parser.add_argument("--folders", default=",".join(DEFAULT_FOLDERS),
                        help="cli mode: acceptance/bundle folders to compare ('all' for all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show-agreeing", action="store_true")
    parser.add_argument("--venvs", action="store_true",
                        help="examples mode: first create each python.venv_path environment "
                        "with the databricks-bundles version the example pins")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bundle-agreement-") as tmp:
        root = Path(tmp)
        if args.mode == "examples":
            unpack(args.git_dir, root)
            for line in make_venvs(root) if args.venvs else []:
                print(f"venv    {line}")
            return report_examples(run_all(example_runs(root), args.jobs))
        acceptance = root / "acceptance"
        folders = (["acceptance/bundle"] if args.folders == "all"
                   else [f"acceptance/bundle/{f}" for f in args.folders.split(",")])
        unpack(args.git_dir, root, ["acceptance/bin", "acceptance/script.prepare", *folders])
        cases = run_cases(cli_cases(acceptance / "bundle"), acceptance, args.jobs)
        runs = [r for c in cases for r in c.runs]
        skipped = [s for c in cases for s in c.skipped]
        return report_cli(runs, skipped, args.show_agreeing)

if __name__ == "__main__":
    raise SystemExit(main())
