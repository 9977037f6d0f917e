"""The bundle pipeline: phases of named steps, in the order they run.

Each phase is an ordered list. The comment beside a step says what it reads
-> what it changes. Loading stops after a phase that reported errors (later
phases would only repeat them); steps within a phase tolerate partial state.
"""

from __future__ import annotations

from mlops_stacks.bundle.context import Context, Step
from mlops_stacks.bundle.steps.alert_files import CheckAlertFiles
from mlops_stacks.bundle.steps.apply_presets import ApplyPresets
from mlops_stacks.bundle.steps.artifact_files import CheckArtifacts
from mlops_stacks.bundle.steps.auth_fields import CheckAuthFields
from mlops_stacks.bundle.steps.check_names import CheckNames
from mlops_stacks.bundle.steps.current_user import PopulateCurrentUser
from mlops_stacks.bundle.steps.git_details import LoadGitDetails
from mlops_stacks.bundle.steps.includes import ProcessIncludes
from mlops_stacks.bundle.steps.load_root import LoadRootFile
from mlops_stacks.bundle.steps.merge_job_clusters import MergeJobClusters
from mlops_stacks.bundle.steps.merge_target import MergeTarget
from mlops_stacks.bundle.steps.python_resources import LoadPythonResources
from mlops_stacks.bundle.steps.resolve_references import ResolveReferences
from mlops_stacks.bundle.steps.select_target import SelectTarget
from mlops_stacks.bundle.steps.set_variables import SetVariables
from mlops_stacks.bundle.steps.target_mode import ProcessTargetMode
from mlops_stacks.bundle.steps.translate_paths import TranslatePaths
from mlops_stacks.bundle.steps.validate import RunValidators
from mlops_stacks.bundle.steps.workspace_defaults import DefineWorkspaceDefaults
from mlops_stacks.diagnostics import Diagnostics

LOAD: list[Step] = [
    LoadRootFile(),      # databricks.yml -> tree
    ProcessIncludes(),   # include: globs -> files merged into tree; include removed
    CheckNames(),        # target names, resource keys -> errors for unsafe names
]

SELECT: list[Step] = [
    SelectTarget(),      # -t / default: true / only target -> ctx.target
    MergeTarget(),       # targets.<t> -> merged over the top level; targets removed; bundle.target
]

INITIALIZE: list[Step] = [
    CheckAuthFields(),   # workspace.host/profile/... -> errors for ${...} (needed to connect)
    LoadGitDetails(),    # .git at/above the root -> bundle.git.* (user values kept; "" outside)
    SetVariables(),      # --var, BUNDLE_VAR_*, target, default -> variables.<n>.value
    ResolveReferences(   # ${var.*}, ${variables.*}, ${bundle.*} -> values (e.g. in workspace.host)
        "resolve_variable_references", include=("variables", "bundle")),
    LoadPythonResources(),  # python.resources -> databricks-bundles' build -> more resources
    PopulateCurrentUser(),   # workspace.host + caller/OS user -> workspace.current_user
    DefineWorkspaceDefaults(),  # user, bundle name/target -> workspace.*_path defaults
    ResolveReferences(   # ${workspace.*} and the rest, except resources -> values
        "resolve_workspace_references", exclude=("resources",)),
    ProcessTargetMode(),  # bundle.mode, user -> presets defaults; production checks
    ApplyPresets(),      # presets -> resource names, tags, pause status, concurrency
    TranslatePaths(),    # local notebook/file paths in jobs, pipelines -> workspace.file_path/...
    CheckAlertFiles(),   # alerts with a .dbalert.json file_path -> errors (fields, file)
    CheckArtifacts(),    # artifacts: empty entries, files (without build) that match nothing
    ResolveReferences(   # ${resources.<kind>.<key>.<field>} -> values present in config
        "resolve_resource_references", include=("resources",)),
    MergeJobClusters(),  # job_clusters with one job_cluster_key (once resolved) -> one entry
]

VALIDATE: list[Step] = [
    RunValidators(),     # tree -> schema + semantic diagnostics
]

PHASES: list[tuple[str, list[Step]]] = [
    ("load", LOAD),
    ("select_target", SELECT),
    ("initialize", INITIALIZE),
    ("validate", VALIDATE),
]


def run_phases(ctx: Context, phases: list[tuple[str, list[Step]]] = PHASES) -> Diagnostics:
    """Run ``phases`` in order, stopping after the first phase with errors."""
    diags = Diagnostics()
    for _, steps in phases:
        for step in steps:
            diags.extend(step.apply(ctx))
        if diags.has_errors():
            break
    return diags
