"""How often ``mlops-stacks init`` gives what ``copier copy`` gives, on templates we did not write.

Reads a fetched copier git directory (nothing of it is copied into this project)
and runs both tools on every template folder of its test suite (``tests/demo*``
with a ``copier.yml``/``copier.yaml``), with ``--defaults`` and ``--trust``::

    python benchmarks/copier_agreement.py GIT_DIR

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path, help="a fetched copier git directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlops-stacks-copier-") as tmp:
        root = Path(tmp)
        archive = subprocess.run(
            ["git", "--git-dir", str(args.git_dir), "archive", "HEAD", "tests"],
            capture_output=True, check=True,
        )
        subprocess.run(["tar", "-x"], input=archive.stdout, cwd=root, check=True)
        templates = sorted(
            d for d in (root / "tests").glob("demo*")
            if (d / "copier.yml").exists() or (d / "copier.yaml").exists()
        )
        verdicts: dict[str, int] = {}
        for tpl in templates:
            out = root / "out" / tpl.name
            out.mkdir(parents=True)
            flags = ["--defaults", "--trust"]
            by_copier = _run([str(BIN / "copier"), "copy", *flags, "--quiet", str(tpl),
                              str(out / "copier")], out)
            by_init = _run([str(BIN / "mlops-stacks"), "init", *flags, "--no-git",
                            "--template", str(tpl), str(out / "init")], out)
            lines = [line for line in by_init.stderr.splitlines() if line.strip()]
            if by_copier.returncode == 0 and by_init.returncode == 0:
                problems = _differences(out / "copier", out / "init")
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
            print(f"{tpl.name:<40} {verdict:<12} {detail}")
        total = len(templates)
        summary = ", ".join(f"{v} {k}" for k, v in sorted(verdicts.items()))
        print(f"\n{total} templates: {summary}")


if __name__ == "__main__":
    main()
