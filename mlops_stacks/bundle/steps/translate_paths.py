"""TranslatePaths: local file paths in jobs and pipelines -> workspace paths under
``workspace.file_path``.

Reads: ``workspace.file_path``; in every job task (including
``for_each_task.task``): ``notebook_task.notebook_path``,
``spark_python_task.python_file``, ``libraries[].whl`` / ``requirements`` /
``jar``; in job ``environments[].spec.dependencies``: entries that are
relative file paths. Each is relative to the YAML file that declares it (to the
bundle root for resources a ``python:`` function returned, as in the CLI).
Changes: the value becomes ``<file_path>/<path relative to the bundle root>``,
without ``.py``/``.ipynb`` for notebooks (the workspace stores notebooks
without an extension) and unchanged for other files. ``Bundle.local_path``
maps such workspace paths back to files. Absolute paths, URLs, paths in a
``git_source`` job and values with unresolved references are left alone.
Errors: a notebook, Python file or requirements file that does not exist
(with a "did you mean" for a near miss) or that lies outside the bundle root.

``file_path`` of dashboards, alerts and Genie spaces is read at deploy: it
becomes relative to the sync root (the bundle root unless ``sync.paths``
reaches outside it), as in the CLI, so the deploy finds the file wherever
the YAML that names it lives.

Wheels and jars (``libraries[].whl`` / ``jar``) and environment dependencies
are what ``artifacts:`` builds, so, as in the Databricks CLI, they need not
exist when a bundle is validated: an existing file is translated, a missing
file or a glob (``../dist/*.whl``) is left as written, without a diagnostic.
Dependencies use pip's syntax: ``-r ../requirements.txt`` and ``-e ./pkg``
have their path translated; package specs (``mlflow>=3``) and other options
are left alone.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context
from mlops_stacks.bundle.nodes import Node
from mlops_stacks.bundle.steps.path_translator import Translator, is_local_path, tree_sync_root
from mlops_stacks.bundle.steps.pipeline_paths import translate_pipeline
from mlops_stacks.diagnostics import Diagnostics

#: Kinds whose ``file_path`` is a local file read at deploy (not synced as such).
LOCAL_FILE_KINDS = ("dashboards", "alerts", "genie_spaces")


class TranslatePaths:
    name = "translate_paths"

    def apply(self, ctx: Context) -> Diagnostics:
        diags = Diagnostics()
        tree = ctx.tree
        if tree is None:
            return diags
        file_path = tree.at("workspace", "file_path")
        base = str(file_path.value).rstrip("/") if file_path is not None else ""
        translator = Translator(tree_sync_root(ctx), base, diags, ctx.root)
        pipelines = tree.at("resources", "pipelines")
        for key, pipeline in pipelines.items() if pipelines is not None else ():
            translate_pipeline(translator, pipeline, ("resources", "pipelines", key))
        for kind in LOCAL_FILE_KINDS:
            group = tree.at("resources", kind)
            for key, spec in group.items() if group is not None else ():
                node = spec.get("file_path") if spec.is_map else None
                if node is not None and is_local_path(node.value):
                    translator.relative(node, ("resources", kind, key, "file_path"))
        jobs = tree.at("resources", "jobs")
        for job_key, job in jobs.items() if jobs is not None else ():
            if not job.is_map or job.get("git_source") is not None:
                continue
            prefix = ("resources", "jobs", job_key)
            tasks = job.get("tasks")
            for i, task in enumerate(tasks.value if tasks is not None and tasks.is_list else []):
                _task(translator, task, prefix + ("tasks", i))
            envs = job.get("environments")
            for env in envs.value if envs is not None and envs.is_list else []:
                translator.dependencies(env.at("spec", "dependencies"))
        return diags



def _task(translator: Translator, task: Node, path: tuple[str | int, ...]) -> None:
    if not task.is_map:
        return
    nb = task.at("notebook_task", "notebook_path")
    source = task.at("notebook_task", "source")
    if nb is not None and is_local_path(nb.value) and (source is None or source.value != "GIT"):
        translator.notebook(nb, path + ("notebook_task", "notebook_path"))
    py = task.at("spark_python_task", "python_file")
    source = task.at("spark_python_task", "source")
    if py is not None and is_local_path(py.value) and (source is None or source.value != "GIT"):
        translator.file(py, path + ("spark_python_task", "python_file"))
    libs = task.get("libraries")
    for i, lib in enumerate(libs.value if libs is not None and libs.is_list else []):
        for kind in ("whl", "requirements", "jar"):
            node = lib.get(kind) if lib.is_map else None
            if node is None or not is_local_path(node.value):
                continue
            if kind == "requirements":
                translator.file(node, path + ("libraries", i, kind))
            else:
                translator.built(node, "", str(node.value))
    inner = task.at("for_each_task", "task")
    if inner is not None:
        _task(translator, inner, path + ("for_each_task", "task"))
