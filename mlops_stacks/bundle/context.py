"""The state one bundle load carries from step to step.

A ``Context`` starts with the caller's inputs (root, target, ``--var`` values,
environment, current user) and gathers what the steps produce: the located
configuration ``tree``, the selected ``target``, the user, and flags that later
steps read (for example whether ``workspace.root_path`` was defaulted).
``Step`` is the small interface every pipeline step implements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics, Location, info
from mlops_stacks.jsontypes import JsonObject

#: ``(host, workspace.profile) -> user`` (``{"userName": ...}``, or ``None`` without
#: credentials). The bundle layer does not talk to workspaces: the caller passes one in
#: (``mlops_stacks.workspace.current_user.user_lookup`` asks Databricks).
UserLookup = Callable[[str, "str | None"], "JsonObject | None"]


@dataclass
class Context:
    """Inputs of one ``load_bundle`` call and the state the steps build up."""

    root: Path
    """Bundle root directory (holds ``root_file``)."""
    root_file: Path
    """``databricks.yml`` (or ``databricks.yaml``)."""
    target_arg: str | None = None
    """Target asked for (``-t`` / ``DATABRICKS_BUNDLE_TARGET``), or ``None``."""
    variables_arg: dict[str, str] = field(default_factory=dict)
    """``--var`` values."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment used for ``BUNDLE_VAR_<name>``."""
    current_user_arg: JsonObject | None = None
    """The workspace user, when the caller knows it (credentials)."""
    user_lookup: UserLookup | None = None
    """Asks a remote workspace for its user, ``(host, workspace.profile) -> user``; called
    only when needed (see ``PopulateCurrentUser``); ``None`` skips look-ups."""

    tree: Node | None = None
    """The configuration; ``None`` until the root file is read."""
    target: str | None = None
    """Selected target name."""
    user: JsonObject | None = None
    """``workspace.current_user`` once known; ``None`` when look-ups are skipped."""
    root_path_defaulted: bool = False
    """True when ``workspace.root_path`` was not written by the user."""
    pending_lookups: list[tuple[str, Location]] = field(default_factory=list)
    """Variables whose value comes from a workspace ``lookup``."""
    reported_references: set[tuple[int, str]] = field(default_factory=set)
    """References already reported as errors (so later passes stay quiet)."""
    _skipped_warned: bool = False

    def workspace_skipped(self) -> Diagnostics:
        """The one note that workspace look-ups were skipped (empty if already given).

        Info, not a warning: nothing is wrong with the bundle, and ``validate
        --strict`` in CI without credentials must pass (the Databricks CLI
        does not warn either).
        """
        if self._skipped_warned:
            return Diagnostics()
        self._skipped_warned = True
        host = self.host() or "the workspace (workspace.host is not set)"
        detail = (
            "Values that need the workspace (workspace.current_user.*, variable lookups, "
            "development-mode name prefixes) are left unresolved. Configure credentials "
            "(DATABRICKS_HOST and DATABRICKS_TOKEN, or a profile) to resolve them."
        )
        if self.pending_lookups:
            names = ", ".join(sorted(name for name, _ in self.pending_lookups))
            detail += f" Variables with lookups: {names}."
        return Diagnostics(
            [info(f"workspace look-ups were skipped: no credentials for {host}",
                     self.root_file_location(), detail=detail)]
        )

    def host(self) -> str:
        node = self.tree.at("workspace", "host") if self.tree is not None else None
        return str(node.value) if node is not None and node.value is not None else ""

    def root_file_location(self) -> Location:
        return Location(str(self.root_file), 1, 1)


class Step(Protocol):
    """One named transformation of the context; problems come back as diagnostics."""

    name: str

    def apply(self, ctx: Context) -> Diagnostics:  # pragma: no cover - protocol
        ...
