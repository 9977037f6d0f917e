"""CheckAlertFiles: alerts defined in a ``.dbalert.json`` file, checked as the CLI checks them.

Reads: ``resources.alerts.<key>`` with a ``file_path`` (made relative to the
sync root by ``TranslatePaths``). As in the Databricks CLI, the file holds the
alert's definition, so the YAML may only add ``warehouse_id``,
``display_name``, ``file_path``, ``permissions`` and ``lifecycle``; the file
must exist, be JSON, and hold no ``${...}`` references (they are not resolved
inside it). Changes: nothing. Errors: each of these, at the field or at
``file_path``.
"""

from __future__ import annotations

import json

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node, format_path
from mlops_stacks.bundle.schema.locate import key_location
from mlops_stacks.bundle.steps.path_translator import is_local_path, tree_sync_root
from mlops_stacks.diagnostics import Diagnostics, error

#: What the YAML may set beside the file (the rest comes from the file).
ALLOWED_WITH_FILE = ("warehouse_id", "display_name", "file_path", "permissions", "lifecycle")


class CheckAlertFiles:
    name = "check_alert_files"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        alerts = ctx.tree.at("resources", "alerts") if ctx.tree is not None else None
        for key, alert in alerts.items() if alerts is not None else ():
            file_path = alert.get("file_path") if alert.is_map else None
            if file_path is None or not isinstance(file_path.value, str) or not file_path.value:
                continue
            path = ("resources", "alerts", key)
            extra = [k for k, v in alert.items() if k not in ALLOWED_WITH_FILE
                     and v.value is not None]
            for field in extra:
                diags.append(error(
                    f"field {field} is not allowed beside file_path", key_location(alert, field),
                    path=format_path(path + (field,)),
                    detail=f"The alert's definition comes from {file_path.value}; the bundle may "
                    f"only set {', '.join(ALLOWED_WITH_FILE)}. Move {field} into the file.",
                ))
            if not extra:
                diags.extend(_check_file(ctx, file_path, path + ("file_path",)))
        return diags


def _check_file(ctx: Context, node: Node, path: tuple[str, ...]) -> Diagnostics:
    diags = Diagnostics()
    value = str(node.value)
    local = tree_sync_root(ctx) / value if is_local_path(value) else None
    where = format_path(path)
    if local is None:
        return diags  # a workspace path or a reference: nothing to read here
    try:
        text = local.read_text(encoding="utf-8")
        json.loads(text)
    except OSError as exc:
        diags.append(error(f"cannot read the alert file {value}: {exc.strerror or exc}",
                           node.loc, path=where))
        return diags
    except ValueError as exc:
        diags.append(error(f"the alert file {value} is not valid JSON: {exc}", node.loc,
                           path=where))
        return diags
    if "${" in text:
        diags.append(error(
            f"the alert file {value} contains a ${{...}} reference", node.loc, path=where,
            detail="References are not resolved inside .dbalert.json files. To use variables, "
            "define the alert in the bundle configuration instead of a file.",
        ))
    return diags
