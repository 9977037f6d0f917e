"""The package's shape: which layer may import which, and module sizes that keep one
concern per module readable."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mlops_stacks"
RUNNER_MAX_LINES = 400

# The layers, top to bottom. A module may import only from layers below its own;
# layers in one tuple are peers and import neither each other.
#
# - cli: parses flags and renders results; it may use every layer.
# - deploy: plans and applies a bundle (the desired configuration) to a workspace,
#   through the workspace protocol; it reads run records to refuse destroying what runs.
# - workspace: the backends (local, Databricks) behind that protocol; a workspace
#   is opened for a bundle target and runs jobs locally through the runner.
# - runner: runs one job's tasks from its settings; it checks task kinds against the
#   bundle schema, and shares the /Volumes folder name with the local workspace from
#   below (runner/volumes.py), never by importing the workspace.
# - bundle: the foundation; turns files into a resolved configuration and talks to no
#   workspace (the current-user look-up is passed in).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("deploy",),
    ("workspace",),
    ("runner",),
    ("bundle",),
)
# Views over a deployed target (what is deployed, model versions): they read the
# deployment state, so only cli (and modules outside the layers) may import them.
VIEWS = ("summary", "registered_models")


def _rank(part: str) -> int | None:
    for rank, layer in enumerate(LAYERS):
        if part in layer:
            return rank
    return None


def _part(module: str) -> str | None:
    """The top-level part of ``mlops_stacks`` that ``module`` belongs to."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "mlops_stacks" else None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports (top level, inside functions, under TYPE_CHECKING)."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # `from mlops_stacks import runner`
                yield node.lineno, f"{base}.{alias.name}"


def upward_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(_module_name(path))
        if source is None:
            continue
        rank = _rank(source)
        for line, module in imports(path):
            target = _part(module)
            if target is None or target == source:
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
            target_rank = _rank(target)
            if rank is not None and target_rank is not None and target_rank <= rank:
                found.append(where)
            elif rank is not None and rank > 0 and target in VIEWS:
                found.append(where)
    return found


def test_no_layer_imports_a_layer_above_it_or_a_peer() -> None:
    assert upward_imports() == []


def test_the_layer_check_sees_imports_in_functions_and_relative_ones(tmp_path: Path) -> None:
    module = tmp_path / "mlops_stacks" / "bundle" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    from ..workspace import local\n    import mlops_stacks.cli\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "mlops_stacks"
    try:
        found = upward_imports()
    finally:
        PACKAGE = saved
    assert found == ["mlops_stacks/bundle/x.py:2 imports mlops_stacks.workspace",
                     "mlops_stacks/bundle/x.py:2 imports mlops_stacks.workspace.local",
                     "mlops_stacks/bundle/x.py:3 imports mlops_stacks.cli"]


def test_no_runner_module_is_over_400_lines() -> None:
    """The run engine reads as parts (scheduling, task launch, for-each, retries,
    conditions, cancellation): no module under runner/ grows past 400 lines."""
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (PACKAGE / "runner").glob("*.py")
    }
    too_long = {name: n for name, n in sizes.items() if n > RUNNER_MAX_LINES}
    assert not too_long, f"split these runner modules (lines): {too_long}"
