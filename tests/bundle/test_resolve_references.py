"""ResolveReferences: ${...} substitution, types, nesting, cycles and errors."""

from __future__ import annotations

from pathlib import Path

from mlops_stacks.bundle.steps.resolve_references import ResolveReferences
from tests.bundle.bundle_testkit import loaded, plain

HEAD = """
bundle:
  name: demo
  target: dev
workspace:
  host: https://h.example.com
  root_path: /Workspace/Shared/demo
  file_path: /Workspace/Shared/demo/files
variables:
  catalog: {value: main}
  n: {value: 4}
  flag: {value: true}
  conf: {type: complex, value: {num_workers: 2, tags: [a, b]}}
  nested: {value: "${var.catalog}_x"}
  deep: {value: "${var.nested}_y"}
  unset: {description: reported elsewhere}
"""


def resolve(tmp_path: Path, body: str, user: dict | None = None, head: str = HEAD,
            **step_kwargs):
    ctx, diags = loaded(tmp_path, {"databricks.yml": head + body})
    assert not diags
    ctx.user = user
    diags = ResolveReferences("resolve", **step_kwargs).apply(ctx)
    return ctx, diags


def job_params(ctx) -> dict:
    return plain(ctx, "resources", "jobs", "j", "parameters_map")


def body(**params: str) -> str:
    lines = "".join(f"        {k}: '{v}'\n" for k, v in params.items())
    return "resources:\n  jobs:\n    j:\n      name: job\n      parameters_map:\n" + lines


def test_variables_bundle_and_workspace_references(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(
        a="${var.catalog}", b="${variables.catalog.value}", c="${bundle.name}-${bundle.target}",
        d="${bundle.environment}", e="${workspace.host}", f="${workspace.file_path}/x",
        g="${workspace.root_path}"))
    assert not diags
    assert job_params(ctx) == {"a": "main", "b": "main", "c": "demo-dev", "d": "dev",
                               "e": "https://h.example.com",
                               "f": "/Workspace/Shared/demo/files/x",
                               "g": "/Workspace/Shared/demo"}


def test_whole_string_reference_keeps_the_type(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(n="${var.n}", flag="${var.flag}", conf="${var.conf}",
                                        part="${var.conf.num_workers}", text="n=${var.n}"))
    assert not diags
    assert job_params(ctx) == {"n": 4, "flag": True,
                               "conf": {"num_workers": 2, "tags": ["a", "b"]},
                               "part": 2, "text": "n=4"}


def test_complex_copy_is_independent_of_the_variable(tmp_path: Path) -> None:
    ctx, _ = resolve(tmp_path, body(conf="${var.conf}"))
    ctx.tree.at("resources", "jobs", "j", "parameters_map", "conf", "tags").value.clear()
    assert plain(ctx, "variables", "conf", "value", "tags") == ["a", "b"]


def test_nested_references_resolve(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${var.deep}"))
    assert not diags
    assert job_params(ctx) == {"a": "main_x_y"}
    assert plain(ctx, "variables", "deep", "value") == "main_x_y"


def test_resource_field_present_in_config_resolves(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${resources.jobs.j.name}", b="${resources.jobs.j.id}"))
    assert not diags
    assert job_params(ctx) == {"a": "job", "b": "${resources.jobs.j.id}"}


def test_missing_resource_is_an_error_at_the_reference(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${resources.jobs.jj.id}"))
    (err,) = diags.errors
    assert err.summary == "reference ${resources.jobs.jj.id} refers to resource jobs.jj, " \
        "which is not defined"
    assert 'Did you mean "j"?' in err.detail
    assert err.location.line == 21
    assert err.path == "resources.jobs.j.parameters_map.a"


def test_unknown_resource_kind_is_an_error(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${resources.job.j.id}"))
    assert 'unknown resource kind "job"' in diags.errors[0].summary
    assert 'Did you mean "jobs"?' in diags.errors[0].detail


def test_unknown_reference_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${bundle.nmae}", b="${var.catalgo}"))
    first, second = diags.errors
    assert first.summary == "reference ${bundle.nmae} does not exist"
    assert 'Did you mean "name"?' in first.detail
    assert second.summary == 'reference ${var.catalgo} refers to undeclared variable "catalgo"'
    assert 'Did you mean "catalog"?' in second.detail


def test_cycle_is_an_error(tmp_path: Path) -> None:
    head = HEAD + "  p: {value: '${var.q}'}\n  q: {value: '${var.p}'}\n"
    ctx, diags = resolve(tmp_path, body(a="${var.p}"), head=head)
    (err,) = diags.errors
    assert err.summary == "reference ${var.p} is part of a reference cycle"
    assert err.path == "variables.q.value"


def test_escaped_and_non_reference_dollar_text_is_left_alone(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="$${var.catalog}", b="cost: $5", c="${ not a ref }",
                                        d="{{job.parameters.x}}"))
    assert not diags
    assert job_params(ctx) == {"a": "$${var.catalog}", "b": "cost: $5", "c": "${ not a ref }",
                               "d": "{{job.parameters.x}}"}


def test_complex_value_inside_a_longer_string_is_an_error(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="x ${var.conf}"))
    assert "cannot be placed inside a longer string" in diags.errors[0].summary


def test_unset_variable_is_left_without_a_second_error(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${var.unset}"))
    assert not diags
    assert job_params(ctx) == {"a": "${var.unset}"}


def test_current_user_left_when_unknown_and_resolved_when_known(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${workspace.current_user.userName}"))
    assert not diags and job_params(ctx) == {"a": "${workspace.current_user.userName}"}
    head = HEAD.replace("workspace:\n", "workspace:\n  current_user: {userName: j@x.com, "
                        "short_name: j}\n")
    ctx, diags = resolve(tmp_path / "b", body(a="${workspace.current_user.short_name}"),
                         user={"userName": "j@x.com"}, head=head)
    assert not diags and job_params(ctx) == {"a": "j"}


def test_include_and_exclude_limit_a_pass(tmp_path: Path) -> None:
    ctx, diags = resolve(tmp_path, body(a="${var.catalog}/${workspace.host}/${resources.jobs.x}"),
                         include=("variables",))
    assert not diags
    assert job_params(ctx) == {"a": "main/${workspace.host}/${resources.jobs.x}"}
    ctx, diags = resolve(tmp_path / "b", body(a="${var.catalog}/${resources.jobs.x.id}"),
                         exclude=("resources",))
    assert not diags
    assert job_params(ctx) == {"a": "main/${resources.jobs.x.id}"}


def test_references_resolve_in_keys_values_of_lists(tmp_path: Path) -> None:
    text = "resources:\n  jobs:\n    j:\n      name: job\n      tasks:\n" \
           "        - task_key: t\n          libraries: [{whl: '${var.catalog}.whl'}]\n"
    ctx, diags = resolve(tmp_path, text)
    assert plain(ctx, "resources", "jobs", "j", "tasks", 0, "libraries") == [{"whl": "main.whl"}]
