"""Every ``mlops-stacks ...`` command the README and the generated project's README show is
a command the CLI accepts, with those options (checked in process with ``--help`` appended: click
rejects an unknown option or command before it prints help)."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import REPO, render_template


def _commands(text: str) -> list[str]:
    found = re.findall(r"^\s*(mlops-stacks [^#\n]*?)\s*(?:#.*)?$", text, flags=re.M)
    found += re.findall(r"`(mlops-stacks [^`]+)`", text)
    out = []
    for line in found:
        line = line.split(" && ")[0].split(" | ")[0].split(" > ")[0].strip()
        if line not in out and "..." not in line:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def readmes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    project = render_template(tmp_path_factory.mktemp("readme") / "repo") / "my_mlops_project"
    return {"README.md": (REPO / "README.md").read_text(),
            "generated README.md": (project / "README.md").read_text()}


def test_readme_commands_are_accepted(readmes: dict[str, str]) -> None:
    from typer.testing import CliRunner

    from mlops_stacks.cli.app import app

    runner = CliRunner()
    bad = []
    checked = 0
    for name, text in readmes.items():
        for line in _commands(text):
            args = shlex.split(line)[1:]
            if not args or args[0].startswith("-") and args[0] != "--install-completion":
                continue
            if args[0] == "--install-completion":
                continue
            result = runner.invoke(app, [*args, "--help"])
            checked += 1
            if result.exit_code != 0:
                bad.append(f"{name}: {line}\n{result.output[-500:]}")
    assert not bad, "\n".join(bad)
    assert checked >= 20


def test_generated_readme_names_where_outputs_land(readmes: dict[str, str]) -> None:
    text = readmes["generated README.md"]
    assert ".mlops-stacks/local/files/outputs/predictions/batch_predictions.csv" in text
    for command in ("mlops-stacks open", "mlops-stacks runs get RUN_ID --follow",
                    "mlops-stacks runs cancel RUN_ID", "mlops-stacks runs logs RUN_ID"):
        assert command in text, command
