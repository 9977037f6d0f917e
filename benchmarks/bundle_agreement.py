"""How often ``mlops-stacks validate`` reaches the Databricks CLI's verdict on public bundles.

Reads a fetched git directory (nothing of it is copied into this project):

    python benchmarks/bundle_agreement.py examples GIT_DIR
        Every databricks.yml of a bundle-examples checkout, every target:
        prints each target's verdict (ok / errors / traceback) and the totals.
    python benchmarks/bundle_agreement.py cli GIT_DIR [--folders validate,variables,...]
        The Databricks CLI's acceptance cases (acceptance/bundle/<folder>/...):
        runs our validate wherever a case's output.txt records `bundle validate`
        and compares error / no error with the recorded exit code. Prints the
        agreement, and every disagreement.

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
        return "Traceback (most recent call last)" in self.output


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


def _case_env(case: Path, top: Path) -> dict[str, str] | None:
    """``[Env]`` of the case's test.toml files (parents first); None if it needs a matrix."""
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
    return env


def cli_runs(top: Path) -> tuple[list[Run], list[str]]:
    runs: list[Run] = []
    skipped: list[str] = []
    for output in sorted(top.rglob("output.txt")):
        case = output.parent
        text = output.read_text(errors="replace")
        script = (case / "script").read_text(errors="replace") if (case / "script").exists() \
            else ""
        # `musterr trace $CLI ...` shows only the command in output.txt.
        must_fail = {line.split("bundle validate", 1)[1].strip() for line in script.splitlines()
                     if "musterr" in line and "bundle validate" in line}
        blocks = list(_BLOCK.finditer(text))
        for i, match in enumerate(blocks):
            command = match.group(1)
            if "bundle validate" not in command:
                continue
            body = text[match.end(): blocks[i + 1].start() if i + 1 < len(blocks) else None]
            name = f"{case.relative_to(top)}: {command}"
            words = shlex.split(command.replace("[CLI]", "CLI"), posix=True)
            cwd = case
            prefix = words[: words.index("CLI")] if "CLI" in words else ["?"]
            if prefix[:1] == ["withdir"] and len(prefix) == 2:
                cwd, prefix = case / prefix[1], []
            if prefix not in ([], ["errcode"], ["musterr"], ["trace"]) or "run" in words[
                    words.index("CLI") + 1:words.index("CLI") + 2]:
                skipped.append(f"{name}  (run by another program)")
                continue
            args = words[words.index("validate") + 1:]
            if not any((cwd / n).exists() for n in ("databricks.yml", "databricks.yaml",
                                                    "bundle.yml", "bundle.yaml")):
                skipped.append(f"{name}  (the bundle is written by the test script)")
                continue
            exit_code = _EXIT.search(body)
            expected = (prefix == ["musterr"] or " ".join(args) in must_fail
                        or bool(exit_code and exit_code.group(1) != "0"))
            env = _case_env(case, top)
            runs.append(Run(name, cwd, args, env or {}, expected))
    return runs, skipped


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
    print(f"\n{len(runs)} validate runs compared ({len(skipped)} skipped: bundle made by the "
          f"test script, run by another program, or an option we lack): {len(agree)} agree "
          f"({share:.1f}%), {len(differ)} differ, {tracebacks} tracebacks")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("examples", "cli"))
    parser.add_argument("git_dir", type=Path)
    parser.add_argument("--folders", default=",".join(DEFAULT_FOLDERS),
                        help="cli mode: acceptance/bundle folders to compare ('all' for all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show-agreeing", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bundle-agreement-") as tmp:
        root = Path(tmp)
        if args.mode == "examples":
            unpack(args.git_dir, root)
            return report_examples(run_all(example_runs(root), args.jobs))
        top = root / "acceptance" / "bundle"
        if args.folders == "all":
            unpack(args.git_dir, root, ["acceptance/bundle"])
            runs, skipped = cli_runs(top)
        else:
            folders = [f"acceptance/bundle/{f}" for f in args.folders.split(",")]
            unpack(args.git_dir, root, folders)
            runs, skipped = cli_runs(top)
        return report_cli(run_all(runs, args.jobs), skipped, args.show_agreeing)


if __name__ == "__main__":
    raise SystemExit(main())
