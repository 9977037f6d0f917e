"""PopulateCurrentUser: caller's user, OS user for local, one warning otherwise."""

from __future__ import annotations

import getpass
from pathlib import Path

from mlops_stacks.bundle.steps.current_user import PopulateCurrentUser
from mlops_stacks.bundle.users import os_user, short_name
from mlops_stacks.diagnostics import Severity
from tests.bundle.bundle_testkit import plain, targeted


def populate(tmp_path: Path, host: str, **kwargs: object):
    text = f"bundle:\n  name: d\nworkspace:\n  host: {host}\n"
    ctx, diags = targeted(tmp_path, {"databricks.yml": text}, **kwargs)
    diags.extend(PopulateCurrentUser().apply(ctx))
    return ctx, diags


def test_local_host_uses_the_os_user(tmp_path: Path) -> None:
    ctx, diags = populate(tmp_path, "local")
    assert not diags
    name = getpass.getuser()
    assert plain(ctx, "workspace", "current_user") == {"userName": name,
                                                       "short_name": short_name(name)}
    assert ctx.user == os_user()


def test_given_user_gets_a_short_name(tmp_path: Path) -> None:
    ctx, diags = populate(tmp_path, "https://h.example.com",
                          current_user_arg={"userName": "Jane.Doe-X@example.com"})
    assert not diags
    assert plain(ctx, "workspace", "current_user") == {"userName": "Jane.Doe-X@example.com",
                                                       "short_name": "jane_doe_x"}


def test_remote_without_credentials_notes_it_once_as_info(tmp_path: Path) -> None:
    ctx, diags = populate(tmp_path, "https://h.example.com")
    (warn,) = diags
    assert warn.severity is Severity.INFO
    assert warn.summary == "workspace look-ups were skipped: no credentials for " \
        "https://h.example.com"
    assert ctx.user is None and ctx.tree.at("workspace", "current_user") is None
    assert not ctx.workspace_skipped()  # already given: no second warning


def test_lookup_variables_are_named_in_the_warning(tmp_path: Path) -> None:
    text = ("bundle:\n  name: d\nworkspace:\n  host: https://h\n"
            "variables:\n  sp:\n    lookup: {service_principal: ci}\n")
    ctx, diags = targeted(tmp_path, {"databricks.yml": text})
    ctx.pending_lookups.append(("sp", ctx.tree.at("variables", "sp").loc))
    diags.extend(PopulateCurrentUser().apply(ctx))
    assert "Variables with lookups: sp." in diags[0].detail


def test_lookup_on_local_warns_per_variable(tmp_path: Path) -> None:
    ctx, _ = populate(tmp_path, "local")
    ctx.pending_lookups.append(("sp", ctx.root_file_location()))
    diags = PopulateCurrentUser().apply(ctx)
    (warn,) = diags
    assert warn.summary == 'variable "sp" uses a lookup, which was not resolved'
    assert "--var sp=VALUE" in warn.detail
