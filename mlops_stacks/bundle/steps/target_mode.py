"""ProcessTargetMode: what ``mode: development`` and ``mode: production`` mean.

Reads: ``bundle.mode``, ``presets``, ``workspace.root_path``, ``run_as``,
``ctx.user``, ``ctx.root_path_defaulted``. Changes, for development: fills
the presets the user did not set (``name_prefix: "[dev <short_name>] "``,
``tags: {dev: <short_name>}``, ``trigger_pause_status: PAUSED``,
``jobs_max_concurrent_runs: 4``, ``pipelines_development: true``) and turns
the deployment lock off unless ``bundle.deployment.lock.enabled`` is set.
Without a known user the name prefix and the tag are skipped (covered by the
one "look-ups were skipped" warning). ``ApplyPresets`` then applies them.
Errors, for production (as the Databricks CLI): a defaulted
``workspace.root_path`` unless ``run_as`` is set or a service principal
deploys (then an info note; when the current user is unknown because look-ups
were skipped, a warning, since only the deployer decides), and pipelines with
``development: true``; an unknown mode. An explicit
``root_path`` is accepted wherever it points (the official templates use
``/Workspace/Users/<user>/...``).
"""

from __future__ import annotations

import re

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics, error, info, warning
from mlops_stacks.jsontypes import JsonObject

DEV_MAX_CONCURRENT_RUNS = 4
#: A service principal's user name is its application ID, a UUID.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)



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
    assert bundle is not None  # ``mode`` is read from it
    lock = bundle.ensure_map("deployment", mode).ensure_map("lock", mode)
    if lock.get("enabled") is None:
        lock.value["enabled"] = Node(False, mode.loc)
    return diags


def _run_as_set(tree: Node) -> bool:
    """``run_as`` at the top, or on every job (the Databricks CLI's test; no jobs counts)."""
    run_as = tree.get("run_as")
    if run_as is not None and run_as.is_map and run_as.value:
        return True
    jobs = tree.at("resources", "jobs")
    return all(job.is_map and job.get("run_as") is not None
               for _, job in (jobs.items() if jobs is not None else ()))


def _service_principal(user: JsonObject | None) -> bool:
    return user is not None and bool(_UUID.match(str(user.get("userName", ""))))


def _production(ctx: Context, tree: Node) -> Diagnostics:
    diags = Diagnostics()
    mode = tree.at("bundle", "mode")
    assert mode is not None  # called for mode: production
    if ctx.root_path_defaulted:
        detail = ("Without it, each deployer gets a copy in their own home folder. Set e.g.\n\n"
                  "workspace:\n  root_path: /Workspace/Shared/.bundle/${bundle.name}/"
                  "${bundle.target}")
        if _run_as_set(tree) or _service_principal(ctx.user):
            diags.append(info(
                "mode: production should set workspace.root_path, so that only one copy is "
                "deployed", mode.loc, path="workspace.root_path", detail=detail))
        elif ctx.user is None:
            diags.append(warning(
                "mode: production needs workspace.root_path unless a service principal "
                "deploys (the current user was not looked up)", mode.loc,
                path="workspace.root_path", detail=detail))
        else:
            diags.append(error(
                "mode: production needs workspace.root_path to be set explicitly",
                mode.loc, path="workspace.root_path", detail=detail))
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
