"""run_as that names someone else than the deploying user, for resources that cannot.

As in the Databricks CLI: when the top-level ``run_as`` names an identity other
than ``workspace.current_user.userName``, model serving endpoints, quality
monitors, apps and dashboards with ``embed_credentials: true`` are errors (they
run as their owner, the deploying user). Needs the current user: when it was
not looked up (no credentials), nothing is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostic, error

#: Kinds that always run as their owner.
_OWNER_ONLY = ("model_serving_endpoints", "quality_monitors", "apps")


def check_run_as_owner(tree: Node) -> Iterator[Diagnostic]:
    run_as = tree.get("run_as")
    me = tree.at("workspace", "current_user", "userName")
    if run_as is None or not run_as.is_map or me is None or not isinstance(me.value, str):
        return
    names = [n.value for k in ("user_name", "service_principal_name")
             if (n := run_as.get(k)) is not None and isinstance(n.value, str) and n.value]
    if len(names) != 1 or names[0] == me.value or "${" in names[0]:
        return
    resources = tree.get("resources")
    for kind, group in resources.items() if resources is not None and resources.is_map else ():
        for key, spec in group.items() if group.is_map else ():
            if kind == "dashboards":
                embed = spec.get("embed_credentials") if spec.is_map else None
                if embed is None or embed.value not in (True, "true"):
                    continue
                what = "a dashboard with embed_credentials: true"
            elif kind in _OWNER_ONLY:
                what = f"{kind.replace('_', ' ')[:-1]}"
            else:
                continue
            yield error(
                f"{what} cannot run as {names[0]}", spec.loc, path=f"resources.{kind}.{key}",
                detail=f"It runs as its owner, the user who deploys ({me.value}), and run_as "
                f"names {names[0]}. Deploy as {names[0]}, or drop run_as"
                + (", or set embed_credentials: false." if kind == "dashboards" else "."),
            )
