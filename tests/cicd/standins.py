"""Stand-ins for the CI platforms' CLIs (``gh``, ``az``, ``glab``), for tests.

``tests/cicd/bin/<program>`` runs ``main(program)``. Each records its arguments
(``calls`` in the JSON state file named by ``STANDIN_STATE``; secret values are
never arguments: they come on stdin, or for ``az`` in the environment variable it
documents) and keeps what it stores in the same file, where tests read it back.
Answers follow the real programs: messages and exit codes when logged out, JSON
shapes of the list commands, 404 for a GitHub environment that does not exist,
GitLab's "has already been taken" for a variable that exists, masked values of at
least 8 characters without spaces.

State keys: ``logged_in`` ({program: bool}), ``gh_before_json`` (an older ``gh``),
``gh_no_repo`` (no GitHub remote),
``github`` ({"repo": {NAME: value}, "environments": {ENV: {NAME: value}}}),
``gitlab`` ([{key, value, masked, environment_scope}]),
``azure`` ([{id, name, variables: {NAME: {isSecret, value}}}]), ``entra`` ({appId:
[{displayName, password}]}: client secrets ``az ad app credential reset`` added),
``entra_apps`` (when set, the only application IDs Entra knows).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

REPO = "octo/demo"
TENANT = "72f988bf-0000-4000-8000-000000000001"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def save(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(path)


def _opt(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _positional(args: list[str], with_value: set[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in with_value
        else:
            out.append(arg)
    return out


def _stdin_value() -> str:
    return sys.stdin.read() if not sys.stdin.isatty() else ""


class Exit(Exception):
    def __init__(self, code: int, out: str = "", err: str = "") -> None:
        self.code, self.out, self.err = code, out, err


# -- gh -------------------------------------------------------------------------------------
def gh(args: list[str], state: dict[str, Any]) -> str:
    if not state.get("logged_in", {}).get("gh", False):
        if args[:2] == ["auth", "status"]:
            raise Exit(1, err="You are not logged into any GitHub hosts. To log in, run: "
                              "gh auth login\n")
        raise Exit(4, err="To get started with GitHub CLI, please run:  gh auth login\n"
                          "Alternatively, populate the GH_TOKEN environment variable with a "
                          "GitHub API authentication token.\n")
    store = state.setdefault("github", {"repo": {}, "environments": {}})
    if args[:2] == ["auth", "status"]:
        return ("github.com\n  \u2713 Logged in to github.com account octocat (keyring)\n"
                "  - Active account: true\n")
    if args[:2] == ["repo", "view"]:
        if state.get("gh_no_repo"):
            raise Exit(1, err="no git remotes found\n")
        return json.dumps({"nameWithOwner": REPO}) + "\n"
    if args[:2] == ["api", "--method"] and args[2] == "PUT":
        path = _positional(args[1:], {"--method"})[0]
        prefix = "repos/{owner}/{repo}/environments/"
        if not path.startswith(prefix):
            raise Exit(1, err=f"gh: Not Found (HTTP 404) {path}\n")
        store["environments"].setdefault(path[len(prefix):], {})
        return ""
    env = _opt(args, "--env", "-e")
    api = f"https://api.github.com/repos/{REPO}" + (f"/environments/{env}" if env else "")
    if env and env not in store["environments"]:
        what = "get secrets" if args[:2] == ["secret", "list"] else "fetch public key"
        raise Exit(1, err=f"failed to {what}: HTTP 404: Not Found ({api}/secrets?per_page=100)\n")
    secrets = store["environments"][env] if env else store["repo"]
    if args[:2] == ["secret", "list"]:
        fields = _opt(args, "--json")
        if fields and state.get("gh_before_json"):  # gh before 2.41 has no --json here
            raise Exit(1, err="unknown flag: --json\n\nUsage:  gh secret list [flags]\n")
        if fields:
            return json.dumps([{f: (n if f == "name" else "2026-12-06T10:00:00Z")
                                for f in fields.split(",")} for n in sorted(secrets)]) + "\n"
        return "".join(f"{n}\t2026-12-06T10:00:00Z\n" for n in sorted(secrets))
    if args[:2] == ["secret", "set"]:
        name = _positional(args[2:], {"--env", "-e", "--body", "-b", "--repo", "-R"})[0]
        value = _opt(args, "--body", "-b")
        value = _stdin_value() if value is None else value
        secrets[name] = value
        where = f"environment {env}" if env else REPO
        sys.stderr.write(f"\u2713 Set Actions secret {name} for {where}\n")
        return ""
    raise Exit(1, err=f"unknown command {' '.join(args)!r} for \"gh\"\n")


# -- glab -----------------------------------------------------------------------------------
def glab(args: list[str], state: dict[str, Any]) -> str:
    if not state.get("logged_in", {}).get("glab", False):
        raise Exit(1, err="x gitlab.com: api call failed: GET https://gitlab.com/api/v4/user: "
                          "401 {message: 401 Unauthorized}\n")
    variables = state.setdefault("gitlab", [])
    if args[:2] == ["auth", "status"]:
        return "gitlab.com\n  \u2713 Logged in to gitlab.com as octocat\n"
    if args[:2] == ["variable", "list"]:
        if (_opt(args, "-F", "--output") or "text") == "json":
            return json.dumps(variables) + "\n"
        return "KEY\tPROTECTED\tMASKED\tEXPANDED\tSCOPE\n" + "".join(
            f"{v['key']}\tfalse\t{str(v['masked']).lower()}\ttrue\t{v['environment_scope']}\n"
            for v in variables)
    if args[:2] == ["variable", "set"]:
        rest = _positional(args[2:], {"-s", "--scope", "-v", "--value", "-d", "--description",
                                       "-g", "--group", "-t", "--type", "-R", "--repo"})
        key = rest[0]
        value = _opt(args, "-v", "--value") or (rest[1] if len(rest) > 1 else _stdin_value())
        scope = _opt(args, "-s", "--scope") or "*"
        masked = "--masked" in args or "-m" in args
        url = "POST https://gitlab.com/api/v4/projects/octo%2Fdemo/variables"
        if any(v["key"] == key and v["environment_scope"] == scope for v in variables):
            raise Exit(1, err=f"{url}: 400 {{key: [({key}) has already been taken]}}\n")
        if masked and (len(value) < 8 or any(c.isspace() for c in value)):
            raise Exit(1, err=f"{url}: 400 {{value: [is invalid]}}\n")
        variables.append({"key": key, "value": value, "masked": masked, "protected": False,
                          "environment_scope": scope, "variable_type": "env_var"})
        return ""
    raise Exit(1, err=f"Error: unknown command {args[0]!r} for \"glab\"\n")


# -- az -------------------------------------------------------------------------------------
def az(args: list[str], state: dict[str, Any]) -> str:
    if not state.get("logged_in", {}).get("az", False):
        raise Exit(1, err="ERROR: Please run 'az login' to setup account.\n")
    groups = state.setdefault("azure", [])
    if args[:2] == ["account", "show"]:
        if "none" in args:
            return ""
        if _opt(args, "--query") == "tenantId":
            return TENANT + "\n"
        return json.dumps({"tenantId": TENANT, "user": {"name": "octocat@example.com"}}) + "\n"
    if args[:4] == ["ad", "app", "credential", "reset"]:
        app = _opt(args, "--id")
        apps = state.get("entra_apps")
        if apps is not None and app not in apps:
            raise Exit(3, err=f"ERROR: Resource '{app}' does not exist or one of its queried "
                              "reference-property objects are not present.\n")
        password = "Ent~" + secrets.token_hex(14)
        state.setdefault("entra", {}).setdefault(app, []).append(
            {"displayName": _opt(args, "--display-name"), "password": password})
        if _opt(args, "--query") == "password":
            return password + "\n"
        return json.dumps({"appId": app, "password": password, "tenant": TENANT}) + "\n"
    if args[:2] != ["pipelines", "variable-group"]:
        raise Exit(2, err=f"ERROR: '{args[0]}' is misspelled or not recognized by the system.\n")
    rest = args[2:]

    def shown(group: dict[str, Any]) -> dict[str, Any]:
        vars_ = {k: ({"isSecret": True, "value": None} if v.get("isSecret") else v)
                 for k, v in group["variables"].items()}
        return {**group, "variables": vars_}

    if rest[:1] == ["list"]:
        name = _opt(rest, "--group-name")
        return json.dumps([shown(g) for g in groups if name in (None, g["name"])]) + "\n"
    if rest[:1] == ["create"]:
        name = _opt(rest, "--name")
        if any(g["name"] == name for g in groups):
            raise Exit(1, err=f"ERROR: Variable group with name {name} already exists.\n")
        pairs = _positional(rest[1:], {"--name", "--authorize", "-o", "--output",
                                        "--description", "--org", "--project", "-p"})
        variables = dict(p.split("=", 1) for p in pairs if "=" in p)
        first = _opt(rest, "--variables")
        if first and "=" in first:
            variables[first.split("=", 1)[0]] = first.split("=", 1)[1]
        if not variables:
            raise Exit(2, err="ERROR: the following arguments are required: --variables\n")
        group = {"id": len(groups) + 7, "name": name,
                 "variables": {k: {"value": v} for k, v in variables.items()}}
        groups.append(group)
        return json.dumps(shown(group)) + "\n"
    if rest[:2] == ["variable", "create"]:
        gid, name = _opt(rest, "--group-id", "--id"), _opt(rest, "--name")
        group = next((g for g in groups if str(g["id"]) == gid), None)
        if group is None:
            raise Exit(1, err=f"ERROR: Variable group with id {gid} does not exist.\n")
        if name in group["variables"]:
            raise Exit(1, err=f"ERROR: Variable '{name}' already exists. Use 'az pipelines "
                              "variable-group variable update' to update it.\n")
        secret = (_opt(rest, "--secret") or "false") == "true"
        value = _opt(rest, "--value")
        if value is None and secret:
            value = os.environ.get(f"AZURE_DEVOPS_EXT_PIPELINE_VAR_{name}")
        if value is None:
            raise Exit(1, err="ERROR: --value is required for non-interactive use.\n")
        group["variables"][name] = {"isSecret": secret, "value": value}
        return ""
    raise Exit(2, err="ERROR: unrecognized arguments\n")


def main(program: str) -> None:
    path = Path(os.environ["STANDIN_STATE"])
    state = load(path)
    args = sys.argv[1:]
    state.setdefault("calls", []).append([program, *args])
    handler = {"gh": gh, "glab": glab, "az": az}[program]
    try:
        out = handler(args, state)
        code, err = 0, ""
    except Exit as done:
        out, code, err = done.out, done.code, done.err
    save(path, state)
    sys.stdout.write(out)
    sys.stderr.write(err)
    sys.exit(code)
