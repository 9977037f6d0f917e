"""ProcessTargetMode + ApplyPresets: development prefixes/pauses/tags; production checks."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps.apply_presets import ApplyPresets
from mlops_stacks.bundle.steps.target_mode import ProcessTargetMode
from mlops_stacks.bundle.steps.workspace_defaults import DefineWorkspaceDefaults
from mlops_stacks.diagnostics import Severity
from tests.bundle.bundle_testkit import plain, run_steps, targeted

RESOURCES = """
resources:
  jobs:
    train:
      name: train
      schedule: {quartz_cron_expression: "0 0 * * * ?", timezone_id: UTC}
      trigger: {file_arrival: {url: /x}}
    keep:
      name: keep
      max_concurrent_runs: 1
      tags: {dev: mine}
      schedule: {quartz_cron_expression: "0 0 * * * ?", timezone_id: UTC,
                 pause_status: UNPAUSED}
  experiments:
    exp: {name: /Users/a@b.com/my_exp}
    flat: {name: flat_exp}
  models:
    m: {name: wsmodel}
  registered_models:
    rm: {name: model, catalog_name: c, schema_name: s}
  model_serving_endpoints:
    ep: {name: endpoint}
  quality_monitors:
    qm: {table_name: c.s.t, schedule: {quartz_cron_expression: x, timezone_id: UTC}}
"""


def mode(tmp_path: Path, target: str, user: dict | None = None, extra: str = ""):
    text = "bundle:\n  name: demo\n" + RESOURCES + extra + target
    ctx, diags = targeted(tmp_path, {"databricks.yml": text})
    ctx.user = user
    diags.extend(run_steps(ctx, DefineWorkspaceDefaults(), ProcessTargetMode(), ApplyPresets()))
    return ctx, diags


DEV = "targets:\n  dev:\n    mode: development\n    workspace: {host: local}\n"
JANE = {"userName": "jane.doe@example.com", "short_name": "jane_doe"}


def test_development_prefixes_names(tmp_path: Path) -> None:
    ctx, diags = mode(tmp_path, DEV, JANE)
    assert not diags
    assert plain(ctx, "resources", "jobs", "train", "name") == "[dev jane_doe] train"
    assert plain(ctx, "resources", "experiments", "exp", "name") == \
        "/Users/a@b.com/[dev jane_doe] my_exp"
    assert plain(ctx, "resources", "experiments", "flat", "name") == "[dev jane_doe] flat_exp"
    assert plain(ctx, "resources", "models", "m", "name") == "[dev jane_doe] wsmodel"
    assert plain(ctx, "resources", "registered_models", "rm", "name") == "dev_jane_doe_model"
    assert plain(ctx, "resources", "model_serving_endpoints", "ep", "name") == \
        "dev_jane_doe_endpoint"


def test_development_pauses_tags_and_allows_concurrency(tmp_path: Path) -> None:
    ctx, _ = mode(tmp_path, DEV, JANE)
    train = plain(ctx, "resources", "jobs", "train")
    assert train["schedule"]["pause_status"] == "PAUSED"
    assert train["trigger"]["pause_status"] == "PAUSED"
    assert train["tags"] == {"dev": "jane_doe"}
    assert train["max_concurrent_runs"] == 4
    keep = plain(ctx, "resources", "jobs", "keep")
    assert keep["schedule"]["pause_status"] == "UNPAUSED"
    assert keep["tags"] == {"dev": "mine"} and keep["max_concurrent_runs"] == 1
    assert plain(ctx, "resources", "experiments", "exp", "tags") == [
        {"key": "dev", "value": "jane_doe"}]
    assert plain(ctx, "resources", "quality_monitors", "qm", "schedule", "pause_status") == \
        "PAUSED"
    assert plain(ctx, "bundle", "deployment", "lock", "enabled") is False


def test_development_without_user_skips_prefix_with_one_warning(tmp_path: Path) -> None:
    ctx, diags = mode(tmp_path, DEV.replace("local", "https://h"))
    (warn,) = diags
    assert warn.summary.startswith("workspace look-ups were skipped")
    assert plain(ctx, "resources", "jobs", "train", "name") == "train"
    assert plain(ctx, "resources", "jobs", "train", "schedule", "pause_status") == "PAUSED"


def test_user_presets_win_over_development_defaults(tmp_path: Path) -> None:
    target = DEV + "    presets:\n      name_prefix: 'ci-'\n      trigger_pause_status: UNPAUSED\n"
    ctx, diags = mode(tmp_path, target, JANE)
    assert not diags
    assert plain(ctx, "resources", "jobs", "train", "name") == "ci-train"
    assert plain(ctx, "resources", "registered_models", "rm", "name") == "ci_model"
    assert plain(ctx, "resources", "jobs", "train", "schedule", "pause_status") == "UNPAUSED"


def test_presets_apply_without_a_mode(tmp_path: Path) -> None:
    target = ("targets:\n  t:\n    presets:\n      name_prefix: 'x_'\n"
              "      jobs_max_concurrent_runs: 7\n      tags: {team: ml}\n"
              "      trigger_pause_status: PAUSED\n")
    ctx, diags = mode(tmp_path, target)
    assert not diags
    train = plain(ctx, "resources", "jobs", "train")
    assert train["name"] == "x_train" and train["max_concurrent_runs"] == 7
    assert train["tags"] == {"team": "ml"}
    assert train["schedule"]["pause_status"] == "PAUSED"
    assert plain(ctx, "resources", "models", "m", "tags") == [{"key": "team", "value": "ml"}]


def test_invalid_trigger_pause_status(tmp_path: Path) -> None:
    ctx, diags = mode(tmp_path, "targets:\n  t:\n    presets:\n      trigger_pause_status: NO\n")
    assert "must be PAUSED or UNPAUSED" in diags.errors[0].summary


PROD = "targets:\n  prod:\n    mode: production\n    workspace: {host: https://h}\n"


def test_production_needs_an_explicit_root_path(tmp_path: Path) -> None:
    ctx, diags = mode(tmp_path, PROD, JANE)
    (err,) = diags.errors
    assert err.summary == "mode: production needs workspace.root_path to be set explicitly"
    assert plain(ctx, "resources", "jobs", "train", "name") == "train"


def test_production_without_root_path_depends_on_who_deploys(tmp_path: Path) -> None:
    # As the Databricks CLI: a service principal (user name = application ID) only gets a
    # note; with the user unknown (look-ups skipped), a warning says what decides.
    principal = {"userName": "6a1b9f0e-3c2d-4e5f-8a7b-1c2d3e4f5a6b", "short_name": "sp"}
    _, diags = mode(tmp_path, PROD, principal)
    (note,) = diags
    assert note.severity is Severity.INFO
    _, diags = mode(tmp_path, PROD, None)
    (warn,) = diags
    assert warn.severity is Severity.WARNING
    assert "unless a service principal deploys" in warn.summary


def test_production_accepts_an_explicit_root_path_in_a_home_folder(tmp_path: Path) -> None:
    # The official templates deploy production to /Workspace/Users/<user>/...
    target = PROD.replace("{host: https://h}",
                          "{host: https://h, root_path: /Users/a@b.com/.bundle/x}")
    _, diags = mode(tmp_path, target)
    assert not diags


def test_production_without_root_path_but_with_run_as_is_only_a_note(tmp_path: Path) -> None:
    _, diags = mode(tmp_path, PROD + "    run_as: {service_principal_name: sp-1}\n")
    (note,) = diags
    assert note.severity is Severity.INFO
    assert note.summary.startswith("mode: production should set workspace.root_path")


def test_production_accepts_presets(tmp_path: Path) -> None:
    target = PROD.replace("{host: https://h}", "{host: https://h, root_path: /Shared/x}") + \
        "    presets: {name_prefix: 'prod_'}\n"
    _, diags = mode(tmp_path, target)
    assert not diags


def test_production_with_shared_root_is_clean(tmp_path: Path) -> None:
    target = PROD.replace("{host: https://h}", "{host: https://h, root_path: /Shared/x}")
    ctx, diags = mode(tmp_path, target)
    assert not diags
    assert plain(ctx, "resources", "jobs", "train", "schedule").get("pause_status") is None


def test_unknown_mode(tmp_path: Path) -> None:
    ctx, diags = mode(tmp_path, "targets:\n  t:\n    mode: dev\n")
    assert diags.errors[0].summary == 'unknown mode "dev"'
