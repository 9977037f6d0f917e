"""``mlops-stacks serve``: a local REST endpoint for the model version behind an alias."""

from __future__ import annotations

import json
import os
import shlex
import signal
from pathlib import Path

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import PROFILE, TARGET, VAR
from mlops_stacks.serving.guard import DEFAULT_MAX_MB

HELP = """Serve a registered model version, found by its alias, as a REST endpoint.

Looks up the bundle's registered model (`--model KEY`, needed only when the bundle
has several) in the target's local MLflow store, finds the version behind
`--alias` (default `champion`), and runs MLflow's scoring server for it until
Ctrl-C. Send data with `POST /invocations`; the command prints an example request.
Request bodies over `--max-request-mb` (default 16) are answered 413; error answers
carry no server stack traces. The server stops with this command, however it ends
(Ctrl-C, kill, a closed terminal), and `destroy` of the target stops it.

Examples:

    mlops-stacks serve
    mlops-stacks serve --alias challenger --port 5001
"""

def serve(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    model: str | None = typer.Option(None, "--model", help="Key of the registered model."),
    alias: str = typer.Option("champion", "--alias", help="Model version alias to serve."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    max_request_mb: float = typer.Option(
        DEFAULT_MAX_MB, "--max-request-mb", min=0.001,
        help="Largest request body accepted, in MB; larger ones are answered 413.",
    ),
) -> None:
    from mlops_stacks.cli.context import load_target_bundle
    from mlops_stacks.serving import example_request, start_server
    from mlops_stacks.serving.record import Serving, forget_serving, record_serving
    from mlops_stacks.serving.target import check_local, served_model
    from mlops_stacks.workspace import open_workspace

    term = terminal.current()
    bundle = load_target_bundle(target, var, term, profile)
    check_local(bundle)
    workspace = open_workspace(bundle)
    with term.status(f"Looking up @{alias}"):
        served = served_model(bundle, workspace, model, alias)
        body = example_request(served)
    # The server writes to its log file, not the terminal: no line lands in a spinner.
    server = start_server(served, host=host, port=port, quiet=True,
                          max_request_mb=max_request_mb)  # fmt: skip
    # `kill`, and a closed terminal (SIGHUP), stop the server as Ctrl-C does. Should this
    # process die without a word (SIGKILL), the server sees its stdin close and exits.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    target_dir: Path | None = getattr(workspace, "dir", None)
    try:
        with term.status(f"Starting the scoring server for {served.uri}"):
            server.wait_ready()
        term.success(f"Serving {served.name} version {served.version} (@{alias}) at {server.url}")
        if target_dir is not None:  # destroy stops a server whose model it deletes
            record_serving(target_dir, Serving.this_process(server.url, served.name,
                                                            served.version))  # fmt: skip
        term.print(f"Server log: {server.log_path}")
        term.print("Example request:")
        payload = json.dumps(body or {"dataframe_records": [{"feature": 1.0}]})
        term.print(
            f"  curl -X POST {server.url}/invocations -H 'Content-Type: application/json' "
            f"-d {shlex.quote(payload)}"
        )
        term.print("Press Ctrl-C to stop.")
        server.process.wait()
    except KeyboardInterrupt:
        term.print("Stopping the server.")
    finally:
        server.stop()
        if target_dir is not None:
            forget_serving(target_dir, os.getpid())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(app: typer.Typer) -> None:
    app.command("serve", help=HELP)(serve)


__all__ = ["register", "serve"]
