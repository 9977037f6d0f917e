"""The task process: ``python -m mlops_stacks.runner.task_main SPEC.json``.

Each task of a local run executes in its own Python process, started by the
runner with the task's log as stdout/stderr. The spec says what to run:

    {"kind": "notebook" | "python_file" | "python_wheel", "task_key": ...,
     "path": ..., "widgets": {...}, "argv": [...], "package_name": ...,
     "entry_point": ..., "task_values": {upstream key: {name: value}},
     "out_path": ...}

Exit status 0 means success. What the task reports (task values, the
``dbutils.notebook.exit`` value, an error summary) goes to ``out_path``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

from mlops_stacks.jsontypes import JsonObject, JsonValue
from mlops_stacks.runner import notebook as nb
from mlops_stacks.runner.dbutils import DBUtils, NotebookExit, TaskOutput, display_html
from mlops_stacks.runner.shims import magics
from mlops_stacks.runner.shims.display import display
from mlops_stacks.runner.spark import installed as spark_engine_installed

_RUNNER_DIR = str(Path(__file__).resolve().parent)
PYTHON_ONLY = ("sql", "scala", "r")
SKIPPED_MAGICS = ("md", "md-sandbox", "pip", "conda", "restart_python", "skip")


class CellError(Exception):
    """A cell that cannot run locally, or a failing %sh / %run cell."""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m mlops_stacks.runner.task_main SPEC.json", file=sys.stderr)
        return 2
    _stop_on_sigterm()
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    if spec.get("remove_after_read"):  # it holds secret values: not left on disk
        Path(args[0]).unlink(missing_ok=True)
    out_path = spec.get("out_path")
    output = TaskOutput(Path(out_path) if out_path else None)
    output.write()
    try:
        return _main(spec, output)
    finally:
        _report_modules(spec.get("modules_out"))


def _main(spec: JsonObject, output: TaskOutput) -> int:
    try:
        output.result = _run(spec, output)
    except NotebookExit as done:
        output.result, output.exited = done.value, True
    except SystemExit as exc:
        if exc.code not in (None, 0):
            output.error = f"exited with status {exc.code}"
            output.write()
            print(f"[mlops-stacks] task exited with status {exc.code}", file=sys.stderr)
            return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        output.error = "canceled"
        output.write()
        print("[mlops-stacks] task canceled", file=sys.stderr)
        return 130
    except BaseException as exc:  # noqa: BLE001 - any failure of user code fails the task
        output.error = _summary(exc)
        output.write()
        _print_user_traceback(exc)
        return 1
    output.write()
    if output.exited:
        print(f"[mlops-stacks] notebook exited with: {output.result}")
    return 0


def _stop_on_sigterm() -> None:
    """The runner cancels a task with SIGTERM: turn it into KeyboardInterrupt so that
    ``finally`` blocks and atexit hooks (e.g. MLflow ending its run) still run.

    The task must not outlive the process that started it (the runner, or the
    run's fork server, named by ``MLOPS_STACKS_PARENT_PID``): on Linux the kernel
    sends SIGTERM when that parent dies, and the task then kills its whole
    process group at once, so nothing it started is left behind either."""
    import signal

    parent = int(os.environ.get("MLOPS_STACKS_PARENT_PID") or 0)
    me = os.getpid()

    def orphaned() -> bool:  # only this process: its forks (a Pool's workers) inherit this
        return bool(parent) and os.getpid() == me and os.getppid() != parent and (
            hasattr(os, "killpg")
        )

    def stop(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != me:  # a fork of the task (a Pool worker): SIGTERM as by default
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        if orphaned():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        # Whoever sent it (the runner cancelling, which signals the whole group, or the
        # kernel because the runner died), what the task started gets it too: nothing
        # outlives the task, even when the runner's death went unnoticed above.
        if os.getpgrp() == me:  # the task leads its group (its own session)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                os.killpg(me, signal.SIGTERM)
            except OSError:
                pass
            finally:
                signal.signal(signal.SIGTERM, stop)
        raise KeyboardInterrupt

    if not hasattr(signal, "SIGTERM"):
        return
    signal.signal(signal.SIGTERM, stop)
    if parent and sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if orphaned():  # the parent died before the request took effect
        os.killpg(os.getpgrp(), signal.SIGKILL)


def _report_modules(path: str | None) -> None:
    """Tell the runner which library modules this task used (the next run preloads them)."""
    if not path:
        return
    from mlops_stacks.runner.preload import library_modules

    try:
        Path(path).write_text(json.dumps(library_modules()), encoding="utf-8")
    except OSError:
        pass


def _run(spec: JsonObject, output: TaskOutput) -> JsonValue:
    kind = spec["kind"]
    from mlops_stacks.runner.shims import mlflow_hooks

    mlflow_hooks.install()
    if spark_engine_installed():
        from mlops_stacks.runner.shims import feature_engineering

        feature_engineering.install()
    dbutils = DBUtils(spec.get("widgets") or {}, spec.get("task_values") or {}, output)
    if kind == "notebook":
        return run_notebook(Path(spec["path"]), dbutils)
    if kind == "python_file":
        return run_python_file(Path(spec["path"]), spec.get("argv") or [], dbutils)
    if kind == "python_wheel":
        return run_wheel(spec["package_name"], spec["entry_point"], spec.get("argv") or [])
    raise ValueError(f"unknown task kind {kind!r}")


def notebook_globals(path: Path, dbutils: DBUtils) -> JsonObject:
    """The namespace of a fresh ``__main__`` module, so that objects the notebook
    defines pickle by reference as ``__main__.<name>`` (multiprocessing, joblib).

    As on Databricks, a notebook has no ``__file__`` (which also keeps a "spawn"
    multiprocessing child from re-running the notebook as a script)."""
    import types

    module = types.ModuleType("__main__")
    module.__dict__.update(
        {
            "__builtins__": __builtins__,
            "dbutils": dbutils,
            "display": display,
            "displayHTML": display_html,
            "getArgument": dbutils.widgets.getArgument,
        }
    )
    sys.modules["__main__"] = module
    magics.bind(module.__dict__, path)
    return module.__dict__


def run_notebook(path: Path, dbutils: DBUtils) -> None:
    """Run a notebook's cells in order, in its own directory, like a job run on Databricks."""
    path = path.resolve()
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))
    sys.argv = [str(path)]
    dbutils.notebook.path = str(path.with_suffix(""))
    _exec_cells(path, notebook_globals(path, dbutils), dbutils)


def _exec_cells(path: Path, env: JsonObject, dbutils: DBUtils) -> None:
    from mlops_stacks.runner.spark.session import provide

    provide(env, path)
    for cell in nb.read(path):
        magic = cell.magic
        if magic is None or magic == "python":
            source = magics.python_source(cell.python_source())
            exec(compile(source, str(path), "exec"), env)  # noqa: S102
        elif magic == "sql" and spark_engine_installed():
            from mlops_stacks.runner.shims import sql_cell

            sql_cell.run(cell.body, env)
        elif magic in magics.CELL_MAGICS:
            magics.run_cell(f"%{magic} {cell.body}", env, f"{path.name}:{cell.start_line}")
        elif magic in SKIPPED_MAGICS:
            if magic in ("pip", "conda"):
                print(
                    f"[mlops-stacks] {path.name}:{cell.start_line}: skipped %{magic} "
                    "(packages are checked before a local run)",
                    flush=True,
                )
        elif magic == "sh":
            _run_shell(path, cell)
        elif magic == "run":
            _run_other_notebook(path, cell, env, dbutils)
        elif magic in PYTHON_ONLY:
            raise CellError(
                f"{path.name}:{cell.start_line}: a %{magic} cell cannot run locally; "
                "the local runner runs Python cells only"
            )
        else:
            raise CellError(f"{path.name}:{cell.start_line}: unsupported magic %{magic}")


def _run_shell(path: Path, cell: nb.Cell) -> None:
    sys.stdout.flush()
    done = subprocess.run(["bash", "-c", cell.body], cwd=path.parent, check=False)
    if done.returncode:
        raise CellError(
            f"{path.name}:{cell.start_line}: %sh cell exited with status {done.returncode}"
        )


def _run_other_notebook(path: Path, cell: nb.Cell, env: JsonObject, dbutils: DBUtils) -> None:
    """``%run ./other $name="value"``: run another notebook in the same globals."""
    import shlex

    words = shlex.split(cell.body.strip())
    if not words:
        raise CellError(f"{path.name}:{cell.start_line}: %run needs a notebook path")
    target = (path.parent / words[0]).resolve()
    if target.suffix != ".py":
        target = target.with_name(target.name + ".py")
    if not target.is_file():
        raise CellError(f"{path.name}:{cell.start_line}: %run target {target} does not exist")
    for word in words[1:]:
        name, _, value = word.lstrip("$").partition("=")
        dbutils.widgets._values[name] = value
    _exec_cells(target, env, dbutils)


def run_python_file(path: Path, argv: list[str], dbutils: DBUtils) -> None:
    """A spark_python_task: run a Python file as ``__main__`` with ``parameters`` as argv."""
    import runpy

    path = path.resolve()
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))
    sys.argv = [str(path), *[str(a) for a in argv]]
    from mlops_stacks.runner.spark.session import provide

    init: JsonObject = {"dbutils": dbutils}
    provide(init, path)
    runpy.run_path(str(path), init_globals=init, run_name="__main__")


def run_wheel(package_name: str, entry_point: str, argv: list[str]) -> None:
    """A python_wheel_task: call the package's entry point with ``parameters`` as argv.

    Like a console script, an integer return value other than 0 fails the task.
    """
    func = resolve_entry_point(package_name, entry_point)
    sys.argv = [package_name, *[str(a) for a in argv]]
    code = func()
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        raise SystemExit(code)


def resolve_entry_point(package_name: str, entry_point: str) -> Any:
    """The callable for ``entry_point`` of ``package_name``: one of its declared entry
    points, else a function of that name in the package's module."""
    import importlib
    from importlib import metadata

    try:
        dist = metadata.distribution(package_name)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for ep in dist.entry_points:
            if ep.name == entry_point:
                return ep.load()
    try:
        module = importlib.import_module(package_name.replace("-", "_"))
    except ImportError:
        raise CellError(
            f"python_wheel_task: package '{package_name}' is not installed in {sys.executable}; "
            "build and install the wheel (pip install dist/<wheel>.whl) before running locally"
        ) from None
    func = getattr(module, entry_point, None)
    if not callable(func):
        raise CellError(
            f"python_wheel_task: package '{package_name}' has no entry point '{entry_point}' "
            "(declare it under [project.entry-points] or [project.scripts])"
        )
    return func


def _summary(exc: BaseException) -> str:
    """One line for the run record: ``Type: first line of the message``."""
    if isinstance(exc, SyntaxError):
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        where = f" ({Path(exc.filename).name}:{exc.lineno})" if exc.filename else ""
        return text.splitlines()[-1] + where
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    more = " ..." if len(lines) > 1 else ""
    return f"{type(exc).__name__}: {lines[0]}{more}"


def _print_user_traceback(exc: BaseException) -> None:
    """Print the traceback without the runner's own frames."""
    tb = traceback.TracebackException.from_exception(exc)
    frames = [f for f in tb.stack if not f.filename.startswith(_RUNNER_DIR)]
    sys.stdout.flush()
    if frames and not isinstance(exc, CellError):
        print("Traceback (most recent call last):", file=sys.stderr)
        print("".join(traceback.StackSummary.from_list(frames).format()), end="", file=sys.stderr)
    print("".join(tb.format_exception_only()), end="", file=sys.stderr)
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
