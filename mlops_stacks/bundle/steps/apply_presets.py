"""ApplyPresets: apply ``presets`` (set by the user or by development mode) to resources.

Reads: ``presets`` (``name_prefix``, ``tags``, ``trigger_pause_status``,
``jobs_max_concurrent_runs``, ``pipelines_development``). Changes:
- jobs: name prefixed; tags added where missing; ``max_concurrent_runs`` set
  if absent; ``schedule``/``trigger``/``continuous`` ``pause_status`` set if absent;
- experiments: the last path segment of the name prefixed; tags added;
- models (workspace registry): name prefixed; tags added;
- registered_models, model_serving_endpoints: name prefixed with the
  normalised prefix (``[dev jane] `` -> ``dev_jane_``: these names allow no
  brackets or spaces);
- pipelines: name prefixed; ``development: true`` with pipelines_development;
- quality_monitors: ``schedule.pause_status`` set if absent.
Errors: a ``trigger_pause_status`` other than PAUSED/UNPAUSED.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.bundle.users import normalize_name
from mlops_stacks.diagnostics import Diagnostics, error


def normalized_prefix(prefix: str) -> str:
    """``"[dev jane] "`` -> ``"dev_jane_"``; ``"ci-"`` -> ``"ci_"``."""
    text = normalize_name(prefix.replace("[", "").replace("]", "").strip())
    return text if not text or text.endswith("_") else text + "_"


def _prefix_name(spec: Node, key: str, prefix: str, last_segment: bool = False) -> None:
    node = spec.get(key)
    if node is None or not isinstance(node.value, str):
        return
    if last_segment and "/" in node.value:
        head, _, tail = node.value.rpartition("/")
        node.value = f"{head}/{prefix}{tail}"
    else:
        node.value = prefix + node.value


def _tag_map(spec: Node, tags: dict[str, Node], at: Node) -> None:
    node = spec.get("tags")
    if node is not None and node.value is not None and not node.is_map:
        return  # written wrong: the schema check reports it on every target alike
    if node is None or not node.is_map:
        node = Node({}, at.loc)
        spec.value["tags"] = node
    for key, value in tags.items():
        if key not in node.value:
            node.value[key] = Node(value.value, value.loc)


def _tag_list(spec: Node, tags: dict[str, Node], at: Node) -> None:
    node = spec.get("tags")
    if node is not None and node.value is not None and not node.is_list:
        return  # written wrong: the schema check reports it on every target alike
    if node is None or not node.is_list:
        node = Node([], at.loc)
        spec.value["tags"] = node
    present = {t.at("key").value for t in node.value if t.at("key") is not None}
    for key, value in tags.items():
        if key not in present:
            node.value.append(Node({"key": Node(key, value.loc),
                                    "value": Node(value.value, value.loc)}, value.loc))


def _pause(spec: Node, field: str, status: Node) -> None:
    node = spec.get(field)
    if node is not None and node.is_map and node.get("pause_status") is None:
        node.value["pause_status"] = Node(status.value, status.loc)


def _specs(tree: Node, kind: str) -> list[Node]:
    group = tree.at("resources", kind)
    if group is None or not group.is_map:
        return []
    return [spec for _, spec in group.items() if spec.is_map]


class ApplyPresets:
    name = "apply_presets"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        presets = tree.get("presets") if tree is not None else None
        if tree is None or presets is None or not presets.is_map:
            return diags
        prefix_node = presets.get("name_prefix")
        prefix = str(prefix_node.value) if prefix_node is not None and prefix_node.value else ""
        tags_node = presets.get("tags")
        tags = dict(tags_node.items()) if tags_node is not None and tags_node.is_map else {}
        pause = presets.get("trigger_pause_status")
        if pause is not None and pause.value not in ("PAUSED", "UNPAUSED"):
            diags.append(error(
                f'presets.trigger_pause_status must be PAUSED or UNPAUSED, not "{pause.value}"',
                pause.loc, path="presets.trigger_pause_status",
            ))
            pause = None
        max_runs = presets.get("jobs_max_concurrent_runs")
        pipelines_dev = presets.get("pipelines_development")

        for job in _specs(tree, "jobs"):
            _prefix_name(job, "name", prefix)
            if tags:
                _tag_map(job, tags, presets)
            if max_runs is not None and max_runs.value and job.get("max_concurrent_runs") is None:
                job.value["max_concurrent_runs"] = Node(max_runs.value, max_runs.loc)
            if pause is not None:
                for field in ("schedule", "trigger", "continuous"):
                    _pause(job, field, pause)
        for exp in _specs(tree, "experiments"):
            _prefix_name(exp, "name", prefix, last_segment=True)
            if tags:
                _tag_list(exp, tags, presets)
        for model in _specs(tree, "models"):
            _prefix_name(model, "name", prefix)
            if tags:
                _tag_list(model, tags, presets)
        if prefix:
            for kind in ("registered_models", "model_serving_endpoints"):
                for spec in _specs(tree, kind):
                    _prefix_name(spec, "name", normalized_prefix(prefix))
        for pipeline in _specs(tree, "pipelines"):
            _prefix_name(pipeline, "name", prefix)
            if pipelines_dev is not None and pipelines_dev.value is True:
                pipeline.value["development"] = Node(True, pipelines_dev.loc)
        if pause is not None:
            for monitor in _specs(tree, "quality_monitors"):
                _pause(monitor, "schedule", pause)
        return diags
