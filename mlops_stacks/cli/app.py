"""The ``mlops-stacks`` application: command registration and the error edge.

Errors are mapped to exit codes here and only here: an ``MlopsStacksError``
prints its message (no traceback unless ``--debug``) and exits with its
``exit_code`` (1 for user errors, 2 for usage errors); click's own usage
errors exit 2; Ctrl-C exits 130; an ``OSError`` that reaches the edge (a
path the system refuses) is a message naming the path, exit 1.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # typer vendors click (typer._click) and types TyperGroup's methods with it; click
    # itself is not always installed.
    from typer import _click as click

from mlops_stacks import __version__
from mlops_stacks.cli import terminal
from mlops_stacks.errors import CHANGING, CONVERGES, MlopsStacksError, os_error

# (module under mlops_stacks.cli, command name) in the order ``--help`` lists them.
COMMANDS: list[tuple[str, str]] = [
    ("init", "init"),
    ("update", "update"),
    ("template", "template"),
    ("validate", "validate"),
    ("schema", "schema"),
    ("plan", "plan"),
    ("deploy", "deploy"),
    ("run", "run"),
    ("runs", "runs"),
    ("destroy", "destroy"),
    ("deployment", "deployment"),
    ("generate", "generate"),
    ("summary", "summary"),
    ("open", "open"),
    ("models", "models"),
    ("sql", "sql"),
    ("serve", "serve"),
    ("cicd", "cicd"),
]


class _Group(TyperGroup):
    """Maps our exceptions to messages and exit codes for every command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from mlops_stacks.cli.help import tidy

        tidy(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _, name in COMMANDS if name in self.commands]

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlopsStacksError as exc:
            if terminal.DEBUG:
                raise
            if exc.hint and ctx.invoked_subcommand not in CHANGING:  # validate, plan, ...
                exc.hint = exc.hint.replace(f" {CONVERGES}", "").replace(CONVERGES, "") or None
            terminal.current().fail(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            term = terminal.current()
            if term.err.is_terminal:
                term.err.print()  # off the line of a prompt or a progress display
            term.err.print("Interrupted.", markup=False, style="yellow")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly
            _quiet_stdout()
            raise typer.Exit(PIPE_CLOSED) from None
        except OSError as exc:  # a path the system refuses (too long, no permission, ...)
            if terminal.DEBUG:
                raise
            terminal.current().fail(os_error(exc))
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="mlops-stacks",
    help=(
        "Create, validate, deploy and run production-grade MLOps projects.\n\n"
        "Start with `mlops-stacks init`, then `validate`, `deploy` and `run` a job on the "
        "local workspace (no account needed), or on Databricks with `-t staging`."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlops-stacks {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show full tracebacks for errors (for bug reports)."
    ),
    http_deadline: float | None = typer.Option(
        None,
        "--http-deadline",
        metavar="SECONDS",
        min=0.001,
        help="Most time a command may spend talking to a Databricks workspace, retries "
        "included (default 300; or MLOPS_STACKS_DATABRICKS_DEADLINE).",
    ),
) -> None:
    terminal.DEBUG = debug
    from mlops_stacks.workspace.databricks.http import end_command, start_command

    start_command(http_deadline, report=lambda text: terminal.current().warn(text), debug=debug)
    ctx.call_on_close(end_command)


for _module, _name in COMMANDS:
    importlib.import_module(f"mlops_stacks.cli.{_module}").register(app)


#: Exit code when the output pipe closed early (128 + SIGPIPE, as other tools exit).
PIPE_CLOSED = 141


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="mlops-stacks")
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(PIPE_CLOSED)
    except SystemExit as exc:
        code = exc.code
        # click reports usage errors with exit code 2; keep it.
        sys.exit(code if isinstance(code, int) else (0 if code is None else 1))
