"""The package's public surface is deliberate: what ``__all__`` lists, and a fast import."""

from __future__ import annotations

import subprocess
import sys

import mlops_stacks

EXPECTED = {
    "Bundle", "Diagnostic", "Diagnostics", "InitOptions", "InitResult", "Location",
    "MlopsStacksError", "Plan", "RunRecord", "Severity", "UsageError", "Workspace",
    "__version__", "deploy_bundle", "destroy_bundle", "find_bundle_root", "init_project",
    "load_bundle", "open_workspace", "preview_deploy", "run_job",
}


def test_exports_are_exactly_the_public_api() -> None:
    assert set(mlops_stacks.__all__) == EXPECTED


def test_every_export_resolves_to_the_subpackage_object() -> None:
    import mlops_stacks.deploy
    import mlops_stacks.scaffold
    import mlops_stacks.workspace.current_user

    for name in mlops_stacks.__all__:
        assert getattr(mlops_stacks, name) is not None, name
    # The bundle layer's loader with the workspace's current-user look-up passed in.
    assert mlops_stacks.load_bundle is mlops_stacks.workspace.current_user.load_bundle
    assert mlops_stacks.init_project is mlops_stacks.scaffold.init_project
    # Importing the ``deploy`` subpackage must not shadow the exported functions.
    assert mlops_stacks.deploy_bundle is mlops_stacks.deploy.deploy
    assert mlops_stacks.destroy_bundle is mlops_stacks.deploy.destroy
    assert mlops_stacks.preview_deploy is mlops_stacks.deploy.preview


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        mlops_stacks.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = (
        "import sys, mlops_stacks, mlops_stacks.cli.app; "
        "heavy = [m for m in ('copier', 'mlflow', 'databricks.sdk', 'pandas', 'sklearn') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_is_a_release_string() -> None:
    parts = mlops_stacks.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_the_documented_library_flow_generates_loads_and_deploys(tmp_path) -> None:
    """init -> load -> plan -> deploy through the public API alone, no CLI."""
    from mlops_stacks import (
        InitOptions,
        deploy_bundle,
        init_project,
        load_bundle,
        open_workspace,
        preview_deploy,
    )

    result = init_project(
        InitOptions(output_dir=tmp_path / "demo", data={"project_name": "demo"}, defaults=True,
                    git=False)
    )
    assert (tmp_path / "demo" / "demo" / "databricks.yml").is_file(), result
    bundle, diagnostics = load_bundle(tmp_path / "demo" / "demo", target="local")
    assert bundle is not None and not diagnostics.has_errors()
    workspace = open_workspace(bundle)
    plan, _files, _state = preview_deploy(bundle, workspace)
    assert {a.kind for a in plan.actions} >= {"jobs", "experiments", "registered_models"}
    deploy_bundle(bundle, workspace)
    again, _files, _state = preview_deploy(bundle, workspace)
    assert not again.has_changes
