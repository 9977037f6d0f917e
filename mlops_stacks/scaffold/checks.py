"""Checks of rendered template output: the same ones for ``template test`` and our own matrix.

Each check takes files (or bundle roots) and returns the problems it found, one
line each (``path:line: what``); an empty list means it passed. Checks that need
an external tool (actionlint, check-jsonschema) raise ``ToolMissing`` when the
tool is not installed, so callers can report them as skipped.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

# Databricks dynamic value references (`{{job.parameters.x}}`, `{{tasks.Train.values.y}}`)
# are legitimate in bundle files; `${{ ... }}` are GitHub / Azure DevOps expressions.
_DYNAMIC_REF = re.compile(
    r"\{\{\s*(job|jobs|task|tasks|workspace|bundle|backfill)\.[\w.\-]+\s*\}\}"
)
_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#")
SKIPPED_LOOKUPS = "workspace look-ups were skipped"
# check-jsonschema's built-in vendor schemas, by CI folder.
VENDOR_SCHEMAS = {
    "github": ("vendor.github-workflows",),
    "azure": ("vendor.azure-pipelines", "--regex-variant", "nonunicode"),
    "gitlab": ("vendor.gitlab-ci",),
}


class ToolMissing(Exception):
    """An external checker is not installed."""


def verbatim_digests(template: Path, suffix: str) -> set[str]:
    """SHA-256 of the template's files that copier copies as they are (no ``suffix``).

    Jinja in a rendered file was written on purpose (``{% raw %}``, ``{{ "{{" }}``);
    only a file copied as it is can carry markers the author meant to render.
    """
    if not suffix:
        return set()  # every file is rendered
    return {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in template.rglob("*")
        if path.is_file() and not path.name.endswith(suffix) and ".git" not in path.parts
    }


def leftover_markers(files: Iterable[Path], verbatim: set[str] | None = None) -> list[str]:
    """Template markers (``{{``, ``{%``, ``{#``) left in rendered text files; with
    ``verbatim`` (see ``verbatim_digests``), only in files copied as they are."""
    out = []
    for path in files:
        data = path.read_bytes()
        if b"\0" in data or (
            verbatim is not None and hashlib.sha256(data).hexdigest() not in verbatim
        ):
            continue
        text = _DYNAMIC_REF.sub("", data.decode("utf-8", errors="replace"))
        lines = text.splitlines()
        for m in _JINJA.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append(f"{path}:{line}: template marker left: {lines[line - 1].strip()[:120]}")
    return out


def yaml_errors(files: Iterable[Path]) -> list[str]:
    import yaml

    out = []
    for path in files:
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            out.append(f"{path}: invalid YAML: {' '.join(str(exc).split())[:300]}")
    return out


def bundle_targets(root: Path) -> list[str | None]:
    """The targets ``databricks.yml`` defines (``[None]``: none, the bundle's default)."""
    import yaml

    try:
        data = yaml.safe_load((root / "databricks.yml").read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return [None]
    targets = data.get("targets") if isinstance(data, dict) else None
    return [str(t) for t in targets] if isinstance(targets, dict) and targets else [None]


def bundle_problems(root: Path, targets: Iterable[str | None] | None = None) -> list[str]:
    """Errors and warnings for every target, but not skipped workspace look-ups nor the
    template's example hosts (a render with the defaults has them)."""
    from mlops_stacks.bundle import load_bundle
    from mlops_stacks.bundle.checks.workspace import is_placeholder_warning

    out = []
    for target in bundle_targets(root) if targets is None else targets:
        loaded, diags = load_bundle(root=root, target=target)
        unexpected = [
            d
            for d in diags
            if d.severity.value in ("error", "warning")
            and not d.summary.startswith(SKIPPED_LOOKUPS)
            and not is_placeholder_warning(d)
        ]
        for d in unexpected:
            out.append(f"{root} -t {target}: {d.severity.value}: {d.summary} ({d.location})")
        if loaded is None and not unexpected:
            out.append(f"{root} -t {target}: the bundle did not load")
    return out


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ToolMissing(name)
    return found


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def actionlint_problems(workflows: list[Path]) -> list[str]:
    if not workflows:
        return []
    result = _run([_tool("actionlint"), "-no-color", "--", *map(str, workflows)])
    if result.returncode == 0:
        return []
    lines = [line for line in (result.stdout + result.stderr).splitlines() if ": " in line]
    return [line for line in lines if not line.startswith((" ", "|"))] or [result.stdout[-2000:]]


def schema_problems(kind: str, files: list[Path]) -> list[str]:
    """Files that fail the CI vendor's JSON schema (``kind``: github, azure or gitlab)."""
    if not files:
        return []
    schema, *extra = VENDOR_SCHEMAS[kind]
    cmd = [_tool("check-jsonschema"), "--builtin-schema", schema, *extra, "--", *map(str, files)]
    result = _run(cmd)
    if result.returncode == 0:
        return []
    text = (result.stdout + result.stderr).strip().splitlines()
    return [line.strip() for line in text if line.strip()][:20]
