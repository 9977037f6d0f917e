"""PopulateCurrentUser: set ``workspace.current_user`` when the user is known.

Reads: ``workspace.host``, ``workspace.profile``, ``ctx.current_user_arg``,
``ctx.user_lookup``, ``ctx.pending_lookups``.
Changes: ``workspace.current_user`` (``userName``, ``short_name``, ...) and
``ctx.user``. The user comes from the caller (credentials); for
``workspace.host: local`` from the operating system (see ``bundle/users.py``);
for a Databricks host from ``ctx.user_lookup``, asked here, lazily, once the
host is resolved (as the Databricks CLI's ``PopulateCurrentUser`` does).
Otherwise nothing is set, and one warning says workspace look-ups were
skipped; references to ``workspace.current_user.*`` stay unresolved.
Variables with a ``lookup`` always get a warning: their value needs a
workspace that can run the look-up.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.model import LOCAL_HOST
from mlops_stacks.bundle.nodes import Node, from_plain
from mlops_stacks.bundle.users import complete_user, os_user
from mlops_stacks.diagnostics import Diagnostics, warning
from mlops_stacks.jsontypes import JsonObject


class PopulateCurrentUser:
    name = "populate_current_user"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        if tree is None:
            return diags
        host = ctx.host()
        user: JsonObject | None
        if ctx.current_user_arg:
            user = complete_user(ctx.current_user_arg)
        elif host == LOCAL_HOST:
            user = os_user()
        elif host and ctx.user_lookup is not None:
            profile = tree.at("workspace", "profile")
            found = ctx.user_lookup(host, str(profile.value) if profile is not None
                                    and profile.value else None)
            user = complete_user(found) if found else None
        else:
            user = None
        if user is None:
            return ctx.workspace_skipped()
        ctx.user = user
        workspace = tree.get("workspace")
        if workspace is None or not workspace.is_map:
            workspace = Node({}, ctx.root_file_location())
            tree.value["workspace"] = workspace
        workspace.value["current_user"] = from_plain(user, workspace.loc)
        for name, loc in ctx.pending_lookups:
            where = "the local workspace" if host == LOCAL_HOST else host
            diags.append(warning(
                f'variable "{name}" uses a lookup, which was not resolved',
                loc, path=f"variables.{name}.lookup",
                detail=f"Look-ups need a workspace that can answer them ({where} cannot). "
                f"Give the value with --var {name}=VALUE or BUNDLE_VAR_{name}.",
            ))
        return diags
