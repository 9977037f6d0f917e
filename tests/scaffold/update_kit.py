"""What the ``update`` tests share: git with a fixed identity, and the CLI run in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

from typer.testing import CliRunner

from mlops_stacks.cli import terminal
from mlops_stacks.cli.app import app


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def cli(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``mlops-stacks ARGS``, without --debug."""
    terminal.reset()
    terminal.DEBUG = False
    result = CliRunner().invoke(app, list(args))
    terminal.reset()
    return result.exit_code, result.stdout, result.stderr


ANSWERS_JINJA = {"template/{{_copier_conf.answers_file}}.jinja":
                 "{{ _copier_answers|to_nice_yaml -}}\n"}


def tagged_template(root: Path, versions: dict[str, dict[str, str]]) -> Path:
    """A git template at ``root/template``: for each tag in order, write its files (paths in
    the repository; an answers-file template is added) and commit and tag them."""
    repo = root / "template"
    repo.mkdir(parents=True)
    git(root, "init", "-q", str(repo))
    for tag, files in versions.items():
        for rel, text in {**ANSWERS_JINJA, **files}.items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", tag)
        git(repo, "tag", tag)
    return repo
