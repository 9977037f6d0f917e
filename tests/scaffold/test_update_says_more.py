"""``update`` shows how files would change (``--pretend --diff``) and, with nobody to ask,
says which new questions took their defaults."""

from __future__ import annotations

import json
from pathlib import Path

from tests.scaffold.update_kit import cli, git, tagged_template


def _template(root: Path) -> Path:
    """v1: one file; v2: changes a line, adds a file and a question with a default."""
    return tagged_template(root, {
        "v1": {"copier.yml": "_subdirectory: template\n",
               "template/settings.txt": "retries = 1\n"},
        "v2": {"copier.yml": "_subdirectory: template\nteam:\n  type: str\n"
                             "  default: ml-platform\n",
               "template/settings.txt": "retries = 3\n",
               "template/owner.txt.jinja": "owner = {{ team }}\n"},
    })


def test_pretend_diff_shows_the_changes_and_new_defaults_are_named(tmp_path: Path) -> None:
    repo = _template(tmp_path)
    project = tmp_path / "demo"
    code, _, err = cli("init", "--template", str(repo), "--vcs-ref", "v1", "--defaults",
                       str(project))
    assert code == 0, err

    code, out, err = cli("update", "--pretend", "--diff", str(project))
    assert code == 0, out + err
    assert "-retries = 1\n+retries = 3\n" in out
    assert "+owner = ml-platform\n" in out  # a new file, in full
    assert (project / "settings.txt").read_text() == "retries = 1\n"  # nothing written
    assert ("the update would take their defaults: team=ml-platform" in err.replace("\n", " ")
            ), err

    code, out, err = cli("update", "-o", "json", "--diff", str(project))
    assert code == 0, out + err
    data = json.loads(out)
    assert data["new_answers"] == {"team": "ml-platform"}
    assert "+retries = 3" in data["diff"]
    git(project, "add", "-A")
    git(project, "commit", "-qm", "update")
    code, out, err = cli("update", str(project))  # no new questions now: nothing to say
    assert code == 0 and "Already up to date" in out and "new question" not in err, out + err
