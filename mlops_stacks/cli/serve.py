"""``mlops-stacks serve``: a local REST endpoint for the model version behind an alias."""

from __future__ import annotations

import json
import shlex
import signal

import typer

from mlops_stacks.cli import terminal
from mlops_stacks.cli.options import PROFILE, TARGET, VAR
from mlops_stacks.errors import MlopsStacksError

HELP = """Serve a registered model version, found by its alias, as a REST endpoint.

Looks up the bundle's registered model (`--model KEY`, needed only when the bundle
has several) in the target's local MLflow store, finds the version behind
`--alias` (default `champion`), and runs MLflow's scoring server for it until
Ctrl-C. Send data with `POST /invocations`; the command prints an example request.

Examples:

    mlops-stacks serve
    mlops-stacks serve --alias challenger --port 5001
"""

MODEL_KINDS = ("registered_models", "models")


def _model_key(bundle, key: str | None) -> tuple[str, str]:  # noqa: ANN001
    from mlops_stacks.bundle.suggest import did_you_mean

    keys = [(kind, k) for kind in MODEL_KINDS for k in sorted(bundle.resources(kind))]
    names = [k for _, k in keys]
    if key is None:
        if len(keys) == 1:
            return keys[0]
        if not keys:
            raise MlopsStacksError(
                f"Bundle '{bundle.name}' defines no registered model to serve.",
                hint="Add one under `resources.registered_models` and deploy it.",
            )
        raise MlopsStacksError(
            f"Bundle '{bundle.name}' has several models: {', '.join(names)}.",
            hint="Choose one with --model KEY.",
        )
    for kind, k in keys:
        if k == key:
            return kind, k
    raise MlopsStacksError(
        f"No registered model '{key}' in bundle '{bundle.name}'.",
        hint=f"Models in this bundle: {', '.join(names) or 'none'}.{did_you_mean(key, names)}",
    )


def serve(
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    model: str | None = typer.Option(None, "--model", help="Key of the registered model."),
    alias: str = typer.Option("champion", "--alias", help="Model version alias to serve."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
) -> None:
    from mlops_stacks.cli.context import load_target_bundle
    from mlops_stacks.deploy import load_state
    from mlops_stacks.serving import example_request, resolve_alias, start_server
    from mlops_stacks.workspace import open_workspace

    term = terminal.current()
    bundle = load_target_bundle(target, var, term, profile)
    if not bundle.is_local:
        raise MlopsStacksError(
            f"serve runs models from the local workspace; target '{bundle.target}' is "
            f"{bundle.host}.",
            hint="Serve on Databricks with a `model_serving_endpoints` resource, or use "
            "`-t local`.",
        )
    kind, key = _model_key(bundle, model)
    workspace = open_workspace(bundle)
    deployed = load_state(workspace, bundle.name, bundle.target).get(kind, key)
    if deployed is None or not deployed.name:
        raise MlopsStacksError(
            f"Model '{key}' is not deployed to target '{bundle.target}'.",
            hint="Run `mlops-stacks deploy` and then `mlops-stacks run model_training_job`.",
        )
    details = workspace.info().details
    with term.status(f"Looking up {deployed.name}@{alias}"):
        served = resolve_alias(
            deployed.name,
            alias,
            tracking_uri=details["mlflow_tracking_uri"],
            registry_uri=details["mlflow_registry_uri"],
        )
        body = example_request(served)
    server = start_server(served, host=host, port=port)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server as Ctrl-C does
    try:
        with term.status(f"Starting the scoring server for {served.uri}"):
            server.wait_ready()
        term.success(f"Serving {served.name} version {served.version} (@{alias}) at {server.url}")
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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(app: typer.Typer) -> None:
    app.command("serve", help=HELP)(serve)


__all__ = ["register", "serve"]
