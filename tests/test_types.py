"""mlops_stacks/ type-checks under mypy with the strict configuration in pyproject.toml.

The layers talk through shapes (the workspace protocol, run records, the bundle
model); mypy checks them on every test run, so a key renamed on one side fails
here rather than in a deploy. The incremental cache (``.mypy_cache`` at the
repository root, git-ignored) makes repeated runs take a few seconds; a fresh
clone checks everything once (about 25 s of CPU).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mypy_config() -> dict[str, Any]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_the_configuration_is_strict_and_relaxes_nothing_globally() -> None:
    config = _mypy_config()
    assert config.get("strict") is True
    assert "ignore_errors" not in config and "ignore_missing_imports" not in config
    for override in config.get("overrides", []):
        modules = override["module"]
        modules = [modules] if isinstance(modules, str) else modules
        assert "*" not in modules and "mlops_stacks.*" not in modules, override


@pytest.mark.timeout(600)
def test_mypy_passes_on_the_package() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_type_ignore_names_its_error_code_and_a_reason() -> None:
    """``# type: ignore[code]`` with the reason after it (``  # why``) or on the line above."""
    bare = []
    for path in sorted((ROOT / "mlops_stacks").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if "type: ignore" not in line:
                continue
            named = re.search(r"#\s*type:\s*ignore\[[a-z-]+(,\s*[a-z-]+)*\]", line)
            reason_after = re.search(r"type:\s*ignore\[[^\]]*\]\s+#\s*\S", line)
            reason_above = number > 1 and lines[number - 2].strip().startswith("#")
            if not named or not (reason_after or reason_above):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == []


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("source", "old", "new", "expected"),
    [
        # A backend reads the document under a renamed key.
        ("mlops_stacks/workspace/databricks/backend.py", 'state["resources"]',
         'state["resource"]', 'TypedDict "StateDocument" has no key "resource"'),
        # deploy/ writes the document with a renamed key.
        ("mlops_stacks/deploy/state.py", "updated_at=self.updated_at,",
         "updatedAt=self.updated_at,", 'Missing key "updated_at" for TypedDict "StateDocument"'),
    ],
)
def test_renaming_a_state_document_key_on_one_side_fails_mypy(
    tmp_path: Path, source: str, old: str, new: str, expected: str
) -> None:
    """The state document is a TypedDict both backends and deploy/ share, so a key
    renamed on one side is a type error (mypy checks the edited copy in place of the
    file, with ``--shadow-file``)."""
    text = (ROOT / source).read_text(encoding="utf-8")
    assert old in text
    edited = tmp_path / Path(source).name
    edited.write_text(text.replace(old, new), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache"),
         "--shadow-file", source, str(edited)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert expected in proc.stdout, proc.stdout


MAX_ANY_LINES = 149


def test_any_stays_rare_in_the_package() -> None:
    """Lines naming ``Any`` in mlops_stacks/ stay under 150 (552 before the package was
    typed). JSON and YAML data go by their names (``mlops_stacks/jsontypes.py``:
    ``JsonObject``, ``JsonMapping``, ``JsonValue``); everything else gets a real type."""
    lines = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "mlops_stacks").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bAny\b", line)
    ]
    assert len(lines) <= MAX_ANY_LINES, (
        f"{len(lines)} lines name Any (at most {MAX_ANY_LINES}); use a real type, or "
        "JsonValue/JsonObject for JSON and YAML data:\n" + "\n".join(lines))
