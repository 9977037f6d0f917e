"""Asking at a terminal: only questions that apply, defaults shown, bad replies re-asked."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from mlops_stacks.errors import AnswerError
from mlops_stacks.scaffold import InitOptions, init_project
from mlops_stacks.scaffold.prompts import Prompter


def _prompter(replies: list[str]) -> tuple[Prompter, io.StringIO]:
    shown = io.StringIO()
    console = Console(file=shown, width=200, color_system=None)
    return Prompter(console, stream=io.StringIO("".join(r + "\n" for r in replies))), shown


def test_prompts_ask_what_applies_and_reask_bad_replies(tmp_path: Path) -> None:
    ask, shown = _prompter(
        [
            "my-proj",  # project_name
            "2",  # setup: the second choice, project_only
            "azur",  # cloud: refused, asked again
            "AWS",  # cloud
            "",  # read_user_group: default
            "",  # staging_catalog
            "",  # prod_catalog
            "",  # test_catalog
            "",  # schema_name: default rendered from project_name
            "2",  # compute: classic
            "",  # include_feature_store: default (no)
            "n",  # include_monitoring
            "",  # mlops_stacks_requirement: default (this release)
        ]
    )
    result = init_project(InitOptions(output_dir=tmp_path / "out", git=False, ask=ask))

    answers = yaml.safe_load((tmp_path / "out" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "my-proj"
    assert answers["setup"] == "project_only"
    assert answers["cloud"] == "aws"
    assert answers["schema_name"] == "my_proj"
    assert answers["compute"] == "classic"
    assert answers["include_monitoring"] is False
    assert result.project_dir == tmp_path / "out" / "my_proj"

    text = shown.getvalue()
    assert "cloud: 'azur' is not one of azure, aws, gcp. Did you mean 'azure'? Try azure." in text
    assert "schema_name (my_proj): " in text  # the default, rendered over earlier answers
    assert "ML project only [project_only]" in text
    assert "include_monitoring [y/n] (yes): " in text
    # CI/CD questions do not apply to project_only and are never asked.
    assert "cicd_platform" not in text and "staging_workspace_host" not in text


def test_given_answers_are_not_asked_and_are_checked_first(tmp_path: Path) -> None:
    ask, shown = _prompter([])
    with pytest.raises(AnswerError, match="cloud: 'azur'"):
        init_project(
            InitOptions(output_dir=tmp_path / "out", data={"cloud": "azur"}, git=False, ask=ask)
        )
    assert shown.getvalue() == ""  # refused before the first prompt
    assert not (tmp_path / "out").exists()


def test_input_ending_is_an_answer_error(tmp_path: Path) -> None:
    ask, _ = _prompter(["demo"])
    with pytest.raises(AnswerError, match="setup: no answer"):
        init_project(InitOptions(output_dir=tmp_path / "out", git=False, ask=ask))
    assert not (tmp_path / "out").exists()


def _run_in_terminal(args: list[str], cwd: Path, replies: list[str]) -> tuple[int, str]:
    """Run the real CLI with a pseudo-terminal as stdin/stdout, replying to each prompt."""
    env = {k: v for k, v in os.environ.items() if k != "MLOPS_STACKS_NO_INPUT"}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200")
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_stacks", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=cwd,
        env=env,
        close_fds=True,
    )
    os.close(terminal)
    output = b""
    pending = list(replies)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if pending and chunk.endswith(b": "):  # a prompt waits for a reply
                os.write(controller, pending.pop(0).encode() + b"\n")
        elif proc.poll() is not None:
            break
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    os.close(controller)
    return proc.returncode, output.decode(errors="replace")


@pytest.mark.slow
def test_cli_prompts_when_a_terminal_is_attached(tmp_path: Path) -> None:
    # Answer the first three; --data answers the rest except what the prompt asks.
    code, output = _run_in_terminal(
        [
            "init",
            "out",
            "--no-git",
            "--data",
            "cloud=gcp",
            "--data",
            "include_monitoring=false",
        ],
        tmp_path,
        ["term-demo", "3", "", "", "", "", "", ""],  # name, setup=cicd_only, then defaults
    )
    assert code == 0, output
    answers = yaml.safe_load((tmp_path / "out" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "term-demo"
    assert answers["setup"] == "cicd_only"
    assert answers["cloud"] == "gcp"
    assert answers["staging_workspace_host"].endswith(".gcp.databricks.com")
    assert "cloud (" not in output  # given with --data: not asked
    assert "read_user_group" not in output  # does not apply to cicd_only
    assert "Created term-demo (cicd_only) in out." in output
