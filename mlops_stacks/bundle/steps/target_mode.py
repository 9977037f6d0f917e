"""ProcessTargetMode: what ``mode: development`` and ``mode: production`` mean.

Reads: ``bundle.mode``, ``presets``, ``workspace.root_path``, ``run_as``,
``ctx.user``, ``ctx.root_path_defaulted``. Changes, for development: fills
the presets the user did not set (``name_prefix: "[dev <short_name>] "``,
``tags: {dev: <short_name>}``, ``trigger_pause_status: PAUSED``,
``jobs_max_concurrent_runs: 4``, ``pipelines_development: true``) and turns
the deployment lock off unless ``bundle.deployment.lock.enabled`` is set.
Without a known user the name prefix and the tag are skipped (covered by the
one "look-ups were skipped" warning). ``ApplyPresets`` then applies them.
Errors, for production: a defaulted ``workspace.root_path``, a root path in
another user's home folder than ``run_as``, development presets
(``name_prefix``, ``pipelines_development``), pipelines with
``development: true``; an unknown mode.
"""

from __future__ import annotations

import re

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics, error

DEV_MAX_CONCURRENT_RUNS = 4
_HOME = re.compile(r"^(?:/Workspace)?/Users/([^/]+)")



class ProcessTargetMode:
    name = "process_target_mode"

    def apply(self, ctx: Context) -> Diagnostics:
        tree = ctx.tree
        if tree is None:
            return Diagnostics()
        mode = tree.at("bundle", "mode")
        if mode is None or mode.value is None:
            return Diagnostics()
        if mode.value == "development":
            return _development(ctx, tree, mode)
        if mode.value == "production":
            return _production(ctx, tree)
        return Diagnostics([error(
            f'unknown mode "{mode.value}"', mode.loc, path="bundle.mode",
            detail="mode must be `development` or `production`.",
        )])


def _development(ctx: Context, tree: Node, mode: Node) -> Diagnostics:
    diags = Diagnostics()
    presets = tree.ensure_map("presets", mode)
    short = str(ctx.user.get("short_name", "")) if ctx.user else ""
    if short:
        if presets.get("name_prefix") is None:
            presets.value["name_prefix"] = Node(f"[dev {short}] ", mode.loc)
        tags = presets.ensure_map("tags", mode)
        if tags.get("dev") is None:
            tags.value["dev"] = Node(short, mode.loc)
    else:
        diags.extend(ctx.workspace_skipped())
    defaults = {
        "trigger_pause_status": "PAUSED",
        "jobs_max_concurrent_runs": DEV_MAX_CONCURRENT_RUNS,
        "pipelines_development": True,
    }
    for key, value in defaults.items():
        if presets.get(key) is None:
            presets.value[key] = Node(value, mode.loc)
    bundle = tree.get("bundle")
    lock = bundle.ensure_map("deployment", mode).ensure_map("lock", mode)
    if lock.get("enabled") is None:
        lock.value["enabled"] = Node(False, mode.loc)
    return diags


def _run_as_user(tree: Node) -> str | None:
    run_as = tree.get("run_as")
    if run_as is None:
        return None
    for key in ("user_name", "service_principal_name"):
        node = run_as.get(key)
        if node is not None and node.value:
            return str(node.value)
    return None


def _production(ctx: Context, tree: Node) -> Diagnostics:
    diags = Diagnostics()
    root = tree.at("workspace", "root_path")
    if ctx.root_path_defaulted:
        diags.append(error(
            "mode: production needs workspace.root_path to be set explicitly",
            tree.at("bundle", "mode").loc, path="workspace.root_path",
            detail="Without it, each deployer gets a copy in their own home folder. Set e.g.\n\n"
            "workspace:\n  root_path: /Workspace/Shared/.bundle/${bundle.name}/${bundle.target}",
        ))
    elif root is not None and isinstance(root.value, str):
        match = _HOME.match(root.value)
        owner = _run_as_user(tree)
        if match and match.group(1) != owner and "${" not in match.group(1):
            diags.append(error(
                f"mode: production deploys into the home folder of {match.group(1)}",
                root.loc, path="workspace.root_path",
                detail="Use a shared path (e.g. /Workspace/Shared/...), or set `run_as` to "
                "that user.",
            ))
    presets = tree.get("presets")
    if presets is not None:
        for key in ("name_prefix", "pipelines_development"):
            node = presets.get(key)
            if node is not None and node.value not in (None, "", False):
                diags.append(error(
                    f"mode: production cannot use the development preset {key}", node.loc,
                    path=f"presets.{key}", detail="Remove it from this target.",
                ))
    pipelines = tree.at("resources", "pipelines")
    if pipelines is not None:
        for key, spec in pipelines.items():
            dev = spec.get("development")
            if dev is not None and dev.value is True:
                diags.append(error(
                    "mode: production cannot include a pipeline with development: true",
                    dev.loc, path=f"resources.pipelines.{key}.development",
                ))
    return diags
