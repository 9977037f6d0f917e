"""Helpers for bundle tests: small bundles written inline to ``tmp_path``, steps run alone."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mlops_stacks.bundle.context import Context, Step
from mlops_stacks.bundle.nodes import to_plain
from mlops_stacks.bundle.steps.includes import ProcessIncludes
from mlops_stacks.bundle.steps.load_root import LoadRootFile
from mlops_stacks.bundle.steps.merge_target import MergeTarget
from mlops_stacks.bundle.steps.select_target import SelectTarget
from mlops_stacks.diagnostics import Diagnostics


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: YAML text}`` under ``root`` (text is dedented)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def make_context(root: Path, files: dict[str, str] | None = None, **kwargs: object) -> Context:
    """A ``Context`` for the bundle in ``root`` (``files`` written first)."""
    if files:
        write_files(root, files)
    return Context(root=root, root_file=(root / "databricks.yml").resolve(), **kwargs)


def run_steps(ctx: Context, *steps: Step) -> Diagnostics:
    diags = Diagnostics()
    for step in steps:
        diags.extend(step.apply(ctx))
    return diags


def loaded(root: Path, files: dict[str, str], **kwargs: object) -> tuple[Context, Diagnostics]:
    """A context after the load phase (root file + includes)."""
    ctx = make_context(root, files, **kwargs)
    return ctx, run_steps(ctx, LoadRootFile(), ProcessIncludes())


def targeted(root: Path, files: dict[str, str], **kwargs: object) -> tuple[Context, Diagnostics]:
    """A context after loading and merging the selected target."""
    ctx, diags = loaded(root, files, **kwargs)
    diags.extend(run_steps(ctx, SelectTarget(), MergeTarget()))
    return ctx, diags


def plain(ctx: Context, *path: str | int) -> object:
    """Plain value at ``path`` in the context's tree."""
    assert ctx.tree is not None
    return to_plain(ctx.tree.at(*path))
