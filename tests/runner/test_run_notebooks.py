"""Real local runs: each task in its own Python process, notebooks written to tmp_path."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mlops_stacks.errors import RunError
from mlops_stacks.runner import RunEvent, RunRecord, load_run
from tests.runner.conftest import FILES, Project, notebook_task

WIDGETS = """
dbutils.widgets.text("a", "widget-a")
dbutils.widgets.text("b", "widget-b")
dbutils.widgets.text("c", "widget-c")
dbutils.widgets.text("d", "widget-d")
dbutils.jobs.taskValues.set("widgets", dbutils.widgets.getAll())
"""


def test_widget_precedence_base_parameters_job_parameters_and_params(project: Project) -> None:
    nb = project.notebook("stage/notebooks/Widgets", WIDGETS)
    job = {
        "parameters": [{"name": "b", "default": "job-b"}, {"name": "c", "default": "job-c"}],
        "tasks": [notebook_task("W", nb, base_parameters={"a": "base-a", "b": "base-b"})],
    }
    record = project.run(job, params={"c": "cli-c"})
    assert record.state == "SUCCESS", record.error
    assert record.tasks["W"].values["widgets"] == {
        "a": "base-a",  # base_parameters over the widget default
        "b": "job-b",  # job parameter default over base_parameters
        "c": "cli-c",  # --params over the job parameter default
        "d": "widget-d",  # nothing given: the widget's default
    }
    assert record.params == {"b": "job-b", "c": "cli-c"}


def test_unknown_params_name_is_refused_before_anything_runs(project: Project) -> None:
    nb = project.notebook("stage/notebooks/Widgets", WIDGETS)
    job = {"parameters": [{"name": "env", "default": "dev"}], "tasks": [notebook_task("W", nb)]}
    with pytest.raises(RunError) as err:
        project.run(job, params={"evn": "prod"})
    assert "'evn'" in err.value.message and "Valid parameters: env" in err.value.message
    assert not project.runs_dir.exists()


def test_undefined_widget_fails_like_databricks(project: Project) -> None:
    nb = project.notebook("n/notebooks/N", "dbutils.widgets.get('missing')")
    record = project.run({"tasks": [notebook_task("N", nb)]})
    assert record.state == "FAILED"
    assert "No input widget named missing is defined" in (record.tasks["N"].error or "")


def test_task_values_and_references_flow_downstream(project: Project) -> None:
    train = project.notebook(
        "training/notebooks/Train",
        """
        dbutils.jobs.taskValues.set("model_uri", "models:/m/3")
        dbutils.jobs.taskValues.set("model_version", 3)
        """,
    )
    validate = project.notebook(
        "validation/notebooks/Validate",
        """
        dbutils.widgets.text("uri_param", "")
        uri = dbutils.jobs.taskValues.get("Train", "model_uri")
        version = dbutils.jobs.taskValues.get("Train", "model_version")
        missing = dbutils.jobs.taskValues.get("Train", "nope", default="fallback")
        dbutils.notebook.exit(f"{uri}|{version}|{missing}|{dbutils.widgets.get('uri_param')}")
        """,
    )
    job = {
        "tasks": [
            notebook_task("Train", train),
            notebook_task(
                "Validate",
                validate,
                ["Train"],
                base_parameters={"uri_param": "{{tasks.Train.values.model_uri}}@{{job.run_id}}"},
            ),
        ]
    }
    record = project.run(job)
    assert record.state == "SUCCESS", record.error
    assert record.tasks["Train"].values == {"model_uri": "models:/m/3", "model_version": 3}
    assert record.tasks["Validate"].result == f"models:/m/3|3|fallback|models:/m/3@{record.run_id}"


def test_notebook_exit_ends_successfully_and_skips_the_rest(project: Project) -> None:
    nb = project.notebook(
        "n/notebooks/Exit",
        """
        print("before exit")
        dbutils.notebook.exit("early")
        """,
        "raise RuntimeError('must not run')",
    )
    record = project.run({"tasks": [notebook_task("E", nb)]})
    assert record.state == "SUCCESS"
    assert record.tasks["E"].result == "early"
    log = project.log(record, "E")
    assert "before exit" in log and "must not run" not in log


def test_failed_task_fails_run_skips_dependents_and_keeps_log_tail(project: Project) -> None:
    ok = project.notebook("n/notebooks/Ok", "print('fine')")
    bad = project.notebook(
        "n/notebooks/Bad",
        """
        for i in range(50):
            print(f"progress line {i}")
        def load():
            raise FileNotFoundError("data/missing.csv")
        load()
        """,
    )
    job = {
        "tasks": [
            notebook_task("Ok", ok),
            notebook_task("Bad", bad, ["Ok"]),
            notebook_task("After", ok, ["Bad"]),
            notebook_task("Cleanup", ok, ["Bad"], run_if="ALL_DONE"),
            notebook_task("OnFailure", ok, ["Bad"], run_if="AT_LEAST_ONE_FAILED"),
        ]
    }
    events: list[RunEvent] = []
    record = project.run(job, on_event=events.append)
    states = {k: t.state for k, t in record.tasks.items()}
    assert states == {
        "Ok": "SUCCESS",
        "Bad": "FAILED",
        "After": "SKIPPED",
        "Cleanup": "SUCCESS",
        "OnFailure": "SUCCESS",
    }
    assert record.state == "FAILED"
    assert record.error == "Task 'Bad' failed: FileNotFoundError: data/missing.csv"
    tail = record.tasks["Bad"].log_tail
    assert 20 <= len(tail) <= 30
    assert tail[-1] == "FileNotFoundError: data/missing.csv"
    assert any("Bad.py" in line and "line 5" in line for line in tail)  # user's own frames
    assert not any("task_main" in line for line in tail)  # not the runner's
    # The persisted record says the same as the returned one.
    assert load_run(project.runs_dir, record.run_id).to_dict() == record.to_dict()
    assert [(e.kind, e.task_key, e.state) for e in events][-1] == ("run_finished", None, "FAILED")
    assert ("task_finished", "After", "SKIPPED") in [(e.kind, e.task_key, e.state) for e in events]


@pytest.mark.parametrize("value,branch", [("12", "Big"), ("3", "Small")])
def test_condition_task_routes_to_one_branch(project: Project, value: str, branch: str) -> None:
    make = project.notebook(
        "n/notebooks/Make",
        """
        dbutils.widgets.text("n", "0")
        dbutils.jobs.taskValues.set("n", int(dbutils.widgets.get("n")))
        """,
    )
    mark = project.notebook("n/notebooks/Mark", "dbutils.notebook.exit(dbutils.widgets.get('b'))")
    job = {
        "parameters": [{"name": "n", "default": "0"}],
        "tasks": [
            notebook_task("Make", make),
            {
                "task_key": "IsBig",
                "depends_on": [{"task_key": "Make"}],
                "condition_task": {
                    "op": "GREATER_THAN",
                    "left": "{{tasks.Make.values.n}}",
                    "right": "10",
                },
            },
            {
                "task_key": "Big",
                "depends_on": [{"task_key": "IsBig", "outcome": "true"}],
                "notebook_task": {"notebook_path": mark, "base_parameters": {"b": "big"}},
            },
            {
                "task_key": "Small",
                "depends_on": [{"task_key": "IsBig", "outcome": "false"}],
                "notebook_task": {"notebook_path": mark, "base_parameters": {"b": "small"}},
            },
        ],
    }
    record = project.run(job, params={"n": value})
    assert record.state == "SUCCESS", record.error
    other = "Small" if branch == "Big" else "Big"
    assert record.tasks["IsBig"].result == ("true" if branch == "Big" else "false")
    assert record.tasks[branch].state == "SUCCESS"
    assert record.tasks[branch].result == branch.lower()
    assert record.tasks[other].state == "EXCLUDED"


def test_run_job_task_goes_through_the_callback(project: Project) -> None:
    child_nb = project.notebook(
        "n/notebooks/Child",
        """
        dbutils.widgets.text("who", "")
        dbutils.jobs.taskValues.set("who", dbutils.widgets.get("who"))
        """,
    )
    child_job = {
        "parameters": [{"name": "who", "default": "nobody"}],
        "tasks": [notebook_task("C", child_nb)],
    }
    calls: list[tuple[str, dict[str, str]]] = []

    def run_other_job(ref: str, params: dict[str, str]) -> RunRecord:
        calls.append((ref, params))
        return project.run(child_job, job_key=ref, params=params)

    parent = {
        "parameters": [{"name": "name", "default": "parent-param"}],
        "tasks": [
            {
                "task_key": "RunChild",
                "run_job_task": {
                    "job_id": "${resources.jobs.child_job.id}",
                    "job_parameters": {"who": "{{job.parameters.name}}"},
                },
            }
        ],
    }
    record = project.run(parent, run_other_job=run_other_job)
    assert record.state == "SUCCESS", record.error
    assert calls == [("child_job", {"who": "parent-param"})]
    child = load_run(project.runs_dir, record.tasks["RunChild"].child_run_id or "")
    assert child.job_key == "child_job" and child.tasks["C"].values == {"who": "parent-param"}


def test_run_job_task_without_a_callback_is_refused(project: Project) -> None:
    job = {"tasks": [{"task_key": "R", "run_job_task": {"job_id": "123"}}]}
    with pytest.raises(RunError, match="runs another job"):
        project.run(job)


def test_spark_python_task_gets_parameters_as_argv(project: Project) -> None:
    script = project.file(
        "jobs/main.py",
        """
        import json, os, sys
        print(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd()}))
        """,
    )
    job = {
        "parameters": [{"name": "env", "default": "dev"}],
        "tasks": [
            {
                "task_key": "Py",
                "spark_python_task": {
                    "python_file": script,
                    "parameters": ["--env", "{{job.parameters.env}}", "--task={{task.name}}"],
                },
            }
        ],
    }
    record = project.run(job, params={"env": "staging"})
    assert record.state == "SUCCESS", record.error
    out = json.loads(project.log(record, "Py").strip().splitlines()[-1])
    assert out == {"argv": ["--env", "staging", "--task=Py"], "cwd": str(project.root / "jobs")}


def test_notebook_runs_in_its_directory_and_imports_project_modules(project: Project) -> None:
    (project.root / "training").mkdir()
    (project.root / "training" / "__init__.py").write_text("")
    (project.root / "training" / "steps.py").write_text("def double(x):\n    return 2 * x\n")
    (project.root / "data").mkdir()
    (project.root / "data" / "rows.csv").write_text("a\n1\n2\n")
    nb = project.notebook(
        "training/notebooks/Train",
        """
        import os, sys
        sys.path.insert(0, os.path.abspath(os.path.join(os.getcwd(), "..", "..")))
        from training.steps import double
        """,
        """
        rows = open(os.path.join("..", "..", "data", "rows.csv")).read().split()[1:]
        dbutils.notebook.exit(f"{os.getcwd()}|{sum(double(int(r)) for r in rows)}|{__name__}")
        """,
    )
    record = project.run({"tasks": [notebook_task("Train", nb)]})
    assert record.state == "SUCCESS", record.error
    cwd, total, name = record.tasks["Train"].result.split("|")
    assert Path(cwd) == project.root / "training" / "notebooks"
    assert total == "6" and name == "__main__"


def test_task_environment_has_run_identity_and_extra_env(project: Project) -> None:
    nb = project.notebook(
        "n/notebooks/Env",
        """
        import os
        keys = ["MLFLOW_TRACKING_URI", "MLOPS_STACKS_RUN_ID", "MLOPS_STACKS_TASK_KEY"]
        dbutils.notebook.exit("|".join(os.environ.get(k, "-") for k in keys))
        """,
    )
    record = project.run(
        {"tasks": [notebook_task("Env", nb)]}, env={"MLFLOW_TRACKING_URI": "sqlite:///x.db"}
    )
    assert record.tasks["Env"].result == f"sqlite:///x.db|{record.run_id}|Env"


def test_magic_cells_run_skip_or_fail_clearly(project: Project) -> None:
    project.notebook("n/notebooks/Common", "shared = 'from %run'")
    nb = project.notebook(
        "n/notebooks/Magic",
        "# MAGIC %md\n# MAGIC # Title",
        "# MAGIC %pip install pyyaml",  # installed: checked before the run, skipped in it
        "# MAGIC %run ./Common",
        "# MAGIC %sh\n# MAGIC echo from-shell > shell.txt",
        """
        dbutils.library.restartPython()
        dbutils.notebook.exit(shared + "|" + open("shell.txt").read().strip())
        """,
    )
    record = project.run({"tasks": [notebook_task("M", nb)]})
    assert record.state == "SUCCESS", record.error
    assert record.tasks["M"].result == "from %run|from-shell"
    assert "skipped %pip" in project.log(record, "M")

    from mlops_stacks.runner import spark

    sql = project.notebook("n/notebooks/Sql", "# MAGIC %sql\n# MAGIC SELECT 41 + 1 AS answer")
    if spark.installed():  # the Spark engine runs %sql cells (tests/runner/spark)
        record = project.run({"tasks": [notebook_task("S", sql)]})
        assert record.state == "SUCCESS", record.error
        assert "answer" in project.log(record, "S") and "42" in project.log(record, "S")
    else:  # stopped before the run, naming the cell and the extra
        with pytest.raises(RunError, match="%sql cell"):
            project.run({"tasks": [notebook_task("S", sql)]})


def test_only_runs_the_selected_tasks(project: Project) -> None:
    a = project.notebook("n/notebooks/A", "dbutils.jobs.taskValues.set('x', 1)")
    b = project.notebook(
        "n/notebooks/B", "dbutils.notebook.exit(dbutils.jobs.taskValues.get('A', 'x', default=-1))"
    )
    job = {"tasks": [notebook_task("A", a), notebook_task("B", b, ["A"])]}
    record = project.run(job, only=["B"])
    assert record.state == "SUCCESS", record.error
    assert record.tasks["A"].state == "EXCLUDED" and record.tasks["B"].result == "-1"
    with pytest.raises(RunError, match="Unknown task"):
        project.run(job, only=["C"])


def test_unsupported_task_kind_is_refused_before_the_run(project: Project) -> None:
    ok = project.notebook("n/notebooks/Ok", "print(1)")
    job = {
        "tasks": [
            notebook_task("Ok", ok),
            {"task_key": "Sql", "sql_task": {"query": {"query_id": "1"}}},
        ]
    }
    with pytest.raises(RunError) as err:
        project.run(job)
    assert "sql_task" in err.value.message and "notebook_task" in (err.value.hint or "")
    assert not project.runs_dir.exists()
    assert project.run(job, only=["Ok"]).state == "SUCCESS"


def test_missing_notebook_is_refused_before_the_run(project: Project) -> None:
    job = {"tasks": [notebook_task("T", f"{FILES}/nope/notebooks/NB")]}
    with pytest.raises(RunError, match="does not exist"):
        project.run(job)


def test_retries_rerun_a_failing_task(project: Project, tmp_path: Path) -> None:
    counter = tmp_path / "count"
    nb = project.notebook(
        "n/notebooks/Flaky",
        f"""
        from pathlib import Path
        p = Path({str(counter)!r})
        n = int(p.read_text()) + 1 if p.exists() else 1
        p.write_text(str(n))
        if n < 2:
            raise RuntimeError("first attempt fails")
        """,
    )
    record = project.run({"tasks": [notebook_task("F", nb, max_retries=2)]})
    assert record.state == "SUCCESS", record.error
    assert record.tasks["F"].attempts == 2
    assert "attempt 2" in project.log(record, "F")


def test_timeout_stops_the_task(project: Project) -> None:
    nb = project.notebook("n/notebooks/Slow", "import time\ntime.sleep(30)")
    record = project.run({"tasks": [notebook_task("S", nb, timeout_seconds=1)]})
    assert record.state == "FAILED"
    assert record.tasks["S"].error == "timed out after 1 s"
    assert record.duration is not None and record.duration < 15


def test_python_wheel_task_calls_an_installed_entry_point(project: Project) -> None:
    # pytest is installed with a console entry point; call it with --version.
    job = {
        "tasks": [
            {
                "task_key": "W",
                "python_wheel_task": {
                    "package_name": "pytest",
                    "entry_point": "pytest",
                    "parameters": ["--version"],
                },
            },
            {
                "task_key": "Missing",
                "python_wheel_task": {"package_name": "no-such-pkg-xyz", "entry_point": "main"},
            },
        ]
    }
    record = project.run(job)
    assert record.tasks["W"].state == "SUCCESS", record.tasks["W"].error
    assert "pytest" in project.log(record, "W")
    assert record.tasks["Missing"].state == "FAILED"
    assert "'no-such-pkg-xyz' is not installed" in (record.tasks["Missing"].error or "")
    assert sys.executable in (record.tasks["Missing"].error or "")


def test_for_each_task_runs_the_inner_task_once_per_input(project: Project, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    make = project.notebook(
        "n/notebooks/Make", "dbutils.jobs.taskValues.set('regions', ['eu', 'us', 'apac'])"
    )
    each = project.notebook(
        "n/notebooks/Each",
        f"""
        dbutils.widgets.text("region", "")
        region = dbutils.widgets.get("region")
        if region == "us":
            raise ValueError("no data for us")
        open({str(out_dir)!r} + "/" + region, "w").write(region)
        """,
    )
    job = {
        "tasks": [
            notebook_task("Make", make),
            {
                "task_key": "PerRegion",
                "depends_on": [{"task_key": "Make"}],
                "for_each_task": {
                    "inputs": "{{tasks.Make.values.regions}}",
                    "concurrency": 2,
                    "task": {
                        "task_key": "PerRegion_iteration",
                        "notebook_task": {
                            "notebook_path": each,
                            "base_parameters": {"region": "{{input}}"},
                        },
                    },
                },
            },
        ]
    }
    record = project.run(job)
    assert sorted(p.name for p in out_dir.iterdir()) == ["apac", "eu"]
    task = record.tasks["PerRegion"]
    assert task.state == "FAILED" and record.state == "FAILED"
    assert (
        task.error
        == "1 of 3 iterations failed; iteration 1 (input 'us'): ValueError: no data for us"
    )
    assert task.log_tail[-1] == "ValueError: no data for us"
    assert "--- iteration 2 (input 'apac') ---" in project.log(record, "PerRegion")


@pytest.mark.timeout(180)
def test_notebook_functions_work_with_multiprocessing(project: Project) -> None:
    nb = project.notebook(
        "n/notebooks/Pool",
        """
        import multiprocessing as mp
        def square(x):
            return x * x
        pool = mp.get_context("fork").Pool(2)
        total = sum(pool.map(square, range(4)))
        pool.close()  # a clean close and join, not terminate(), which can hang
        pool.join()
        dbutils.notebook.exit(str(total))
        """,
    )
    record = project.run({"tasks": [notebook_task("P", nb)]})
    assert record.state == "SUCCESS", record.tasks["P"].log_tail
    assert record.tasks["P"].result == "14"


def test_error_summary_is_the_first_line_of_the_message(project: Project) -> None:
    multi = project.notebook(
        "n/notebooks/Multi",
        """
        class ValidationFailed(Exception):
            pass
        raise ValidationFailed("model failed validation:\\nrmse too high\\nsee config")
        """,
    )
    syntax = project.notebook("n/notebooks/Syntax", "x = = 1")
    job = {"tasks": [notebook_task("Multi", multi), notebook_task("Syntax", syntax)]}
    record = project.run(job)
    assert record.tasks["Multi"].error == "ValidationFailed: model failed validation: ..."
    assert record.tasks["Multi"].log_tail[-2:] == ["rmse too high", "see config"]
    assert record.tasks["Syntax"].error == "SyntaxError: invalid syntax (Syntax.py:2)"
