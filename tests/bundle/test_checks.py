"""Semantic checks of jobs and ML resources on located YAML trees."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mlops_stacks.bundle.checks import check_bundle
from mlops_stacks.bundle.yaml_loader import load_yaml_file
from mlops_stacks.diagnostics import Diagnostics, Severity


def _check(tmp_path: Path, text: str) -> Diagnostics:
    path = tmp_path / "databricks.yml"
    path.write_text(textwrap.dedent(text))
    tree, diags = load_yaml_file(path)
    assert not diags, diags
    return check_bundle(tree)


def _job(tasks: str, extra: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(tasks), " " * 8)
    return (
        "bundle: {name: demo}\nresources:\n  jobs:\n    train:\n"
        + textwrap.indent(textwrap.dedent(extra), " " * 6)
        + "      tasks:\n" + body
    )


def test_a_sound_job_passes(tmp_path: Path) -> None:
    text = _job(
        """\
        - task_key: Train
          job_cluster_key: main
          notebook_task: {notebook_path: a}
        - task_key: Validate
          environment_key: default
          depends_on: [{task_key: Train}]
          spark_python_task: {python_file: b.py}
        - task_key: Check
          depends_on: [{task_key: Validate}]
          condition_task: {op: EQUAL_TO, left: "1", right: "1"}
        - task_key: Deploy
          depends_on: [{task_key: Check, outcome: "true"}]
          notebook_task: {notebook_path: c}
        """,
        """\
        job_clusters:
          - job_cluster_key: main
            new_cluster: {spark_version: 15.4.x-cpu-ml-scala2.12, num_workers: 1}
        environments:
          - environment_key: default
            spec: {client: "1"}
        schedule: {quartz_cron_expression: "0 0 6 ? * MON-FRI", timezone_id: UTC}
        """,
    )
    assert list(_check(tmp_path, text)) == []


def test_duplicate_task_keys_point_at_both(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("""\
        - task_key: Train
          notebook_task: {notebook_path: a}
        - task_key: Train
          notebook_task: {notebook_path: b}
        """))
    assert len(diags) == 1
    d = diags[0]
    assert d.summary == 'duplicate task_key "Train"'
    assert d.path == "resources.jobs.train.tasks[1].task_key"
    assert [loc.line for loc in d.locations] == [8, 6]


def test_unknown_depends_on_suggests_the_task(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("""\
        - task_key: Train
          notebook_task: {notebook_path: a}
        - task_key: Validate
          notebook_task: {notebook_path: b}
          depends_on:
            - task_key: Trian
        """))
    assert [d.summary for d in diags] == ['task "Validate" depends on unknown task "Trian"']
    assert diags[0].location.line == 11
    assert diags[0].path == "resources.jobs.train.tasks[1].depends_on[0].task_key"
    assert 'Did you mean "Train"?' in diags[0].detail


def test_dependency_cycle_is_reported_once_with_its_path(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("""\
        - task_key: a
          notebook_task: {notebook_path: a}
          depends_on: [{task_key: c}]
        - task_key: b
          notebook_task: {notebook_path: b}
          depends_on: [{task_key: a}]
        - task_key: c
          notebook_task: {notebook_path: c}
          depends_on: [{task_key: b}]
        - task_key: d
          notebook_task: {notebook_path: d}
          depends_on: [{task_key: d}]
        """))
    summaries = [d.summary for d in diags]
    assert summaries == [
        "dependency cycle between tasks: a -> c -> b -> a",
        'task "d" depends on itself',
    ]


def test_undefined_cluster_and_environment_keys(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job(
        """\
        - task_key: a
          job_cluster_key: mian
          environment_key: gpu
          notebook_task: {notebook_path: a}
        """,
        """\
        job_clusters:
          - job_cluster_key: main
            new_cluster: {num_workers: 1}
        """,
    ))
    assert [d.summary for d in diags] == [
        'task "a" uses undefined job_cluster_key "mian"',
        'task "a" uses undefined environment_key "gpu"',
    ]
    assert 'Did you mean "main"?' in diags[0].detail
    assert "environments" in diags[1].detail
    # as in the Databricks CLI: an undefined job cluster is a warning (the Jobs API refuses
    # it at deploy; a local run does not need it), an undefined environment an error
    assert [d.severity.value for d in diags] == ["warning", "error"]


def test_tasks_need_exactly_one_kind_of_work(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("""\
        - task_key: idle
        - task_key: busy
          notebook_task: {notebook_path: a}
          spark_python_task: {python_file: b.py}
        """))
    assert [d.summary for d in diags] == [
        'task "idle" has nothing to run',
        'task "busy" sets more than one kind of work: notebook_task, spark_python_task',
    ]
    assert diags[1].location.line == 9


def test_bad_cron_and_duplicate_parameters(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job(
        """\
        - task_key: a
          notebook_task: {notebook_path: a}
        """,
        """\
        parameters:
          - {name: env, default: dev}
          - {name: env, default: prod}
        schedule:
          quartz_cron_expression: "0 0 6 * * *"
          timezone_id: UTC
        """,
    ))
    assert [d.summary for d in diags][0] == 'duplicate job parameter "env"'
    cron = diags[1]
    assert cron.summary.startswith('invalid cron expression "0 0 6 * * *"')
    assert cron.path == "resources.jobs.train.schedule.quartz_cron_expression"
    assert cron.location.line == 9
    assert "6 or 7 fields" in cron.detail


def test_references_in_checked_fields_are_left_alone(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("""\
        - task_key: a
          notebook_task: {notebook_path: a}
          depends_on: [{task_key: "${var.upstream}"}]
          job_cluster_key: ${var.cluster}
        """, 'schedule: {quartz_cron_expression: "${var.cron}", timezone_id: UTC}\n'))
    assert list(diags) == []


def test_registered_model_and_experiment_names(tmp_path: Path) -> None:
    diags = _check(tmp_path, """\
        bundle: {name: demo}
        resources:
          registered_models:
            ok: {name: "${bundle.target}-model", catalog_name: main, schema_name: ml}
            dotted: {name: main.ml.model, catalog_name: main, schema_name: ml}
            spaced: {name: my model, catalog_name: main, schema_name: ml}
          experiments:
            relative: {name: my-experiment}
            absolute: {name: /Users/me/my-experiment}
        """)
    assert [(d.summary, d.location.line) for d in diags] == [
        ('invalid registered model name "main.ml.model": it contains a period', 5),
        ('invalid registered model name "my model": it contains a space', 6),
        ('experiment name "my-experiment" is not an absolute workspace path', 8),
    ]
    assert "catalog_name, schema_name" in diags[0].detail


def test_serving_routes_must_name_served_entities_and_sum_to_100(tmp_path: Path) -> None:
    diags = _check(tmp_path, """\
        bundle: {name: demo}
        resources:
          model_serving_endpoints:
            endpoint:
              name: demo-endpoint
              config:
                served_entities:
                  - {name: champion, entity_name: main.ml.model, entity_version: "2"}
                traffic_config:
                  routes:
                    - {served_entity_name: champoin, traffic_percentage: 90}
        """)
    assert [(d.summary, d.location.line) for d in diags] == [
        ("traffic percentages add up to 90, not 100", 10),
        ('traffic route names unknown served entity "champoin"', 11),
    ]
    assert 'Did you mean "champion"?' in diags[1].detail


def test_reference_to_a_missing_resource(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("""\
        - task_key: a
          run_job_task:
            job_id: ${resources.jobs.score.id}
        - task_key: b
          run_job_task:
            job_id: ${resources.jobs.train.id}
        """))
    assert len(diags) == 1
    assert diags[0].summary == (
        'reference "${resources.jobs.score.id}" names a resource that does not exist'
    )
    assert diags[0].location.line == 8
    assert "Defined jobs: train." in diags[0].detail


def test_all_diagnostics_are_errors_on_non_mapping_input() -> None:
    assert list(check_bundle(None)) == []


def test_a_task_with_nothing_to_run_is_a_warning_as_in_the_cli(tmp_path: Path) -> None:
    diags = _check(tmp_path, _job("- task_key: idle\n"))
    assert [d.severity for d in diags] == [Severity.WARNING]


def test_task_kinds_come_from_the_derived_task_shape(tmp_path: Path) -> None:
    # A kind of task added to the format after this check was written.
    diags = _check(tmp_path, _job("- task_key: t\n  ai_runtime_task: {}\n"))
    assert not [d for d in diags if "nothing to run" in d.summary]
