"""A refused answer suggests a fix only when the fix is itself accepted, quoted for the shell;
a choice number out of range at a terminal names the range. Through the real CLI."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scaffold.test_init_prompts import _run_in_terminal

CASES = [
    # (answer, what the error must say, what it must not say)
    ("prod_workspace_host=https://not a url",
     "Pass --data prod_workspace_host=VALUE with an allowed value.", "<workspace>"),
    ("project_name=my project!", "Pass --data project_name=my_project.", "my_project_."),
    ("project_name=....", "Pass --data project_name=my_project.", "project_____"),
    ("project_name=mlops stacks", "Pass --data project_name=mlops_stacks.", "Try ...."),
    ("include_monitoring=maybe", "is not a boolean (use true or false). Pass --data "
     "include_monitoring=VALUE with an allowed value.", "include_monitoring=true"),
    ("read_user_group=data team!", "Pass --data 'read_user_group=data team'.", "=data team."),
]


def _init(tmp_path: Path, answer: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "init", "--defaults", "--no-git", "--data",
         answer, str(tmp_path / "out")], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("answer", "says", "never"), CASES, ids=[c[0] for c in CASES])
def test_a_suggested_fix_is_valid_and_quoted(tmp_path: Path, answer: str, says: str,
                                              never: str) -> None:
    result = _init(tmp_path, answer)
    assert result.returncode == 1, result.stderr
    assert says in result.stderr and never not in result.stderr, result.stderr
    if "Pass --data '" in says:  # the quoted suggestion, pasted as a user would, is accepted
        fixed = shlex.split(result.stderr.split("Pass --data ", 1)[1].rstrip(".\n"))[0]
        assert _init(tmp_path / "again", fixed).returncode == 0


def test_a_choice_number_out_of_range_names_the_range(tmp_path: Path) -> None:
    code, output = _run_in_terminal(
        ["init", "out", "--no-git"], tmp_path, ["term-demo", "3", "4", "2"] + [""] * 10)
    assert code == 0, output
    assert "cloud: 4 is not a choice: pick 1-3 (or type one of azure, aws, gcp)." in output
    assert "cloud: aws" in (tmp_path / "out" / ".copier-answers.yml").read_text()
