"""MergeJobClusters: job clusters with the same key, once references are resolved, are one.

Reads: every job's ``job_clusters``. Changes: entries whose
``job_cluster_key`` is the same after ``${...}`` resolution are merged into
the first one (later values win), as the Databricks CLI's MergeJobClusters
does: a target may override ``job_cluster_key: ${var.key}`` and so reach the
top-level cluster only once the variable is known. No diagnostics.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.merge import merge
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.diagnostics import Diagnostics


class MergeJobClusters:
    name = "merge_job_clusters"

    def apply(self, ctx: Context) -> Diagnostics:
        jobs = ctx.tree.at("resources", "jobs") if ctx.tree is not None else None
        for _, job in jobs.items() if jobs is not None and jobs.is_map else ():
            clusters = job.get("job_clusters") if job.is_map else None
            if clusters is None or not clusters.is_list:
                continue
            kept: list[Node] = []
            by_key: dict[str, Node] = {}
            for cluster in clusters.value:
                key = cluster.get("job_cluster_key") if cluster.is_map else None
                if key is None or not isinstance(key.value, str) or "${" in key.value:
                    kept.append(cluster)
                    continue
                first = by_key.get(key.value)
                if first is None:
                    by_key[key.value] = cluster
                    kept.append(cluster)
                else:
                    merge(first, cluster)
            clusters.value[:] = kept
        return Diagnostics()
