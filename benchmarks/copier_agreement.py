"""How often ``mlops-stacks init`` gives what ``copier copy`` gives, on templates we did not write.

Reads a fetched git directory (nothing of it is copied into this project) and
runs both tools with ``--defaults`` and ``--trust``: on every template folder of
copier's own test suite (``tests/demo*``) for a copier checkout, else on the
template at the repository's root, e.g. a public template, given the answers that its
questions without a default need::

    python benchmarks/copier_agreement.py COPIER_GIT_DIR
    python benchmarks/copier_agreement.py TEMPLATE_GIT_DIR --data project_name=demo ...
    python benchmarks/copier_agreement.py TEMPLATE_GIT_DIR --update OLD NEW --data ...

With ``--update``, a project is made by ``init`` at the tag OLD, a user's line
is added to its README and committed, and the project is updated to NEW once
by ``mlops-stacks update`` and once by ``copier update``: the two results must
be the same files, the user's line kept.

Each template gets one verdict:

- ``same``: both succeed and write the same files, byte for byte (the answers
  file's ``_src_path`` and values from ``make_secret``/``now`` aside);
- ``both refuse``: both fail; our message is shown, and must be one line
  without a traceback;
- ``differ``: anything else, with the details.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
#: Files whose content is random by design in copier's demos.
RANDOM = {"config.py"}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _differences(a: Path, b: Path) -> list[str]:
    if not a.exists() or not b.exists():
        return [] if a.exists() == b.exists() or not any(b.iterdir()) else ["one is missing"]
    found: list[str] = []
    cmp = filecmp.dircmp(a, b, ignore=[".git", ".copier-answers.yml"])
    pending = [(cmp, "")]
    while pending:
        node, prefix = pending.pop()
        found += [f"only in copier: {prefix}{n}" for n in node.left_only]
        found += [f"only in init: {prefix}{n}" for n in node.right_only]
        found += [f"differs: {prefix}{n}" for n in node.diff_files if n not in RANDOM]
        pending += [(sub, f"{prefix}{name}/") for name, sub in node.subdirs.items()]
    return found


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=u", "-c", "user.email=u@u", *args], cwd=cwd,
                   check=True, capture_output=True)


def _compare_updates(git_dir: Path, old: str, new: str, data: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-stacks-copier-") as tmp:
        root = Path(tmp)
        template = root / "template"
        subprocess.run(["git", "clone", "-q", str(git_dir), str(template)], check=True)
        (root / "made").mkdir()
        made = _run([str(BIN / "mlops-stacks"), "init", "--defaults", "--trust", *data,
                     "--template", str(template), "--vcs-ref", old, "project"], root / "made")
        if made.returncode:
            raise SystemExit(f"init at {old} failed:\n{made.stderr}")
        project = root / "made" / "project"
        readme = next(p for p in sorted(project.iterdir()) if p.name.lower().startswith("readme"))
        with readme.open("a") as handle:
            handle.write("\nA line the user added.\n")
        _git(project, "add", "-A")
        _git(project, "commit", "-qm", "user edit")
        results = {}
        for tool, command in (
            ("mlops-stacks", [str(BIN / "mlops-stacks"), "update", "--trust", "--vcs-ref", new]),
            ("copier", [str(BIN / "copier"), "update", "--trust", "--defaults", "--quiet",
                        "--vcs-ref", new]),
        ):
            (root / tool).mkdir()
            copy = root / tool / "project"
            subprocess.run(["cp", "-a", str(project), str(copy)], check=True)
            done = _run(command, copy)
            results[tool] = copy
            kept = "A line the user added." in (copy / readme.name).read_text()
            print(f"{tool:<14} exit {done.returncode}, user's line kept: {kept}")
        problems = _differences(results["copier"], results["mlops-stacks"])
        print("same files" if not problems else "differ: " + "; ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path, help="a fetched git directory")
    parser.add_argument("--data", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--update", nargs=2, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    data = [f"--data={pair}" for pair in args.data]
    if args.update:
        _compare_updates(args.git_dir, *args.update, data)
        return

    with tempfile.TemporaryDirectory(prefix="mlops-stacks-copier-") as tmp:
        root = Path(tmp) / "checkout"
        root.mkdir()
        archive = subprocess.run(
            ["git", "--git-dir", str(args.git_dir), "archive", "HEAD"],
            capture_output=True, check=True,
        )
        subprocess.run(["tar", "-x"], input=archive.stdout, cwd=root, check=True)
        templates = sorted(
            d for d in [*(root / "tests").glob("demo*"), root]
            if (d / "copier.yml").exists() or (d / "copier.yaml").exists()
        )
        if len(templates) > 1 and root in templates:
            templates.remove(root)
        verdicts: dict[str, int] = {}
        for tpl in templates:
            out = root.parent / "out" / tpl.name
            (out / "copier").mkdir(parents=True)
            (out / "init").mkdir()
            flags = ["--defaults", "--trust", *data]
            # The same folder name for both: templates may write it into files.
            by_copier = _run([str(BIN / "copier"), "copy", *flags, "--quiet", str(tpl),
                              "project"], out / "copier")
            by_init = _run([str(BIN / "mlops-stacks"), "init", *flags, "--no-git",
                            "--template", str(tpl), "project"], out / "init")
            lines = [line for line in by_init.stderr.splitlines() if line.strip()]
            if by_copier.returncode == 0 and by_init.returncode == 0:
                problems = _differences(out / "copier/project", out / "init/project")
                verdict = "differ" if problems else "same"
                detail = "; ".join(problems)
            elif by_copier.returncode and by_init.returncode:
                clean = "Traceback" not in by_init.stderr
                verdict = "both refuse" if clean else "differ"
                detail = lines[0] if clean else "init printed a traceback"
            else:
                verdict = "differ"
                detail = f"copier exit {by_copier.returncode}, init exit {by_init.returncode}: " + (
                    lines[0] if lines else by_copier.stderr.strip().splitlines()[-1]
                )
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
            name = "(root)" if tpl == root else tpl.name
            print(f"{name:<40} {verdict:<12} {detail}")
        total = len(templates)
        summary = ", ".join(f"{v} {k}" for k, v in sorted(verdicts.items()))
        print(f"\n{total} templates: {summary}")


if __name__ == "__main__":
    main()
