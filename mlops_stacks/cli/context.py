"""How every bundle command starts: the terminal, the validated bundle, its workspace.

``plan``, ``deploy``, ``destroy``, ``summary``, ``run``, ``runs`` and ``serve``
all take ``-t/--target``, ``--var`` and ``-p/--profile`` and begin with::

    term, bundle, workspace = open_target(target, var, profile, json_mode=...)

``load_target_bundle`` is the first half on its own, for commands that check
the bundle before they open its workspace. Bundle errors and warnings are
printed as diagnostics on stderr; errors stop the command (exit 1).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import parse_pairs

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle
    from mlops_stacks.workspace.protocol import Workspace


class Target(NamedTuple):
    """What a bundle command works with."""

    term: terminal.Terminal
    bundle: Bundle
    workspace: Workspace


def load_target_bundle(target: str | None, var: list[str] | None,
                       term: terminal.Terminal, profile: str | None = None) -> Bundle:
    """Load and validate the bundle for ``target``; errors are printed and raise ``ConfigError``.

    Warnings are printed on stderr and do not stop the command. For a Databricks
    target, ``${workspace.current_user.*}`` is resolved by the bundle loader with
    the identity behind the credentials (of ``profile`` when given, else the
    target's ``workspace.profile``), as for any library caller.
    """
    from mlops_stacks.diagnostics import Diagnostics, render_github, render_text
    from mlops_stacks.errors import ConfigError
    from mlops_stacks.workspace.current_user import load_bundle

    variables = parse_pairs(var, "--var")
    try:
        # For a Databricks target the bundle step asks the workspace who the
        # credentials belong to (${workspace.current_user.*}, default paths).
        bundle, diags = load_bundle(target=target, variables=variables, profile=profile)
    except ConfigError as exc:
        if not exc.diagnostics:
            raise
        bundle, diags = None, exc.diagnostics
    diags = Diagnostics(diags)
    root = str(bundle.root) if bundle is not None else os.getcwd()
    shown = Diagnostics(d for d in diags if d.severity.value in ("error", "warning"))
    if shown:
        term.err.print(render_text(shown, root), markup=False)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            term.err.print(render_github(shown, root), markup=False)
    if bundle is None or diags.has_errors():
        n = len(diags.errors)
        raise ConfigError(
            f"The bundle has {n} error{'s' if n != 1 else ''}; nothing was changed.",
            diags,
            hint="Fix the problems above (`mlops-stacks validate` lists them) and try again.",
        )
    return bundle


def open_target(target: str | None, var: list[str] | None, profile: str | None = None, *,
                json_mode: bool = False) -> Target:
    """The terminal (set up for ``json_mode``), the validated bundle and its workspace."""
    from mlops_stacks.workspace import open_workspace

    term = terminal.current(json_mode=json_mode)
    bundle = load_target_bundle(target, var, term, profile)
    return Target(term, bundle, open_workspace(bundle, profile=profile))


__all__ = ["Target", "load_target_bundle", "open_target"]
