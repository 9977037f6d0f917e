"""``mlops-stacks open [RESOURCE]``: the MLflow UI of the local store, or a Databricks page."""

from __future__ import annotations

import signal

import typer

from mlops_stacks.cli.options import PROFILE, TARGET, VAR

HELP = """Open the MLflow UI of the local workspace, or a resource's page on Databricks.

On the local target this runs `mlflow ui` on the target's store (reusing one
already serving that store on `--port`; when another project's UI holds the
port, a free port is taken and named), prints its URL, opens it in a browser and keeps
it running until Ctrl-C. RESOURCE (a key such as `experiment`, or `KIND.KEY`)
opens that experiment's or model's page. On Databricks it opens the resource's
page (a job, an experiment, a model...) or, without RESOURCE, the bundle's folder.

Examples:

    mlops-stacks open
    mlops-stacks open experiment --no-browser
    mlops-stacks open model_training_job -t staging
"""


def open_(
    resource: str | None = typer.Argument(
        None, help="A resource key of the bundle, or KIND.KEY (jobs.train)."),
    target: str | None = TARGET,
    var: list[str] | None = VAR,
    profile: str | None = PROFILE,
    port: int = typer.Option(5000, "--port", help="Local: port of the MLflow UI."),
    no_browser: bool = typer.Option(False, "--no-browser",
                                    help="Print the URL without opening a browser."),
) -> None:
    from mlops_stacks.cli.context import open_target
    from mlops_stacks.opener import MlflowUi, destination
    from mlops_stacks.summary import summarize

    term, bundle, workspace = open_target(target, var, profile)
    summary = summarize(bundle, workspace)
    asked = f"http://127.0.0.1:{port}"
    dest = destination(summary, resource, asked)
    if not dest.needs_mlflow_ui:
        term.print(f"Opening {dest.title}: {dest.url}")
        _browse(dest.url, no_browser)
        return
    info = summary.workspace
    assert info.mlflow_tracking_uri and info.mlflow_artifact_root  # the local workspace
    with term.status("Starting the MLflow UI"):
        ui = MlflowUi.start(tracking_uri=info.mlflow_tracking_uri,
                            artifact_root=info.mlflow_artifact_root, port=port)
    dest.url = ui.url + dest.url.removeprefix(asked)
    if ui.busy_port is not None:
        term.warn(f"Port {ui.busy_port} serves another MLflow store (another project's UI); "
                  f"this target's UI starts on port {ui.url.rsplit(':', 1)[1]} instead.")
    if ui.process is None:
        term.print(f"The MLflow UI already runs at {ui.url}")
        term.print(f"Opening {dest.title}: {dest.url}")
        _browse(dest.url, no_browser)
        return
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        term.success(f"MLflow UI for target {bundle.target}: {ui.url}")
        term.print(f"Opening {dest.title}: {dest.url}")
        term.print(f"UI log: {ui.log_path}")
        term.print("Press Ctrl-C to stop.")
        _browse(dest.url, no_browser)
        assert ui.process is not None
        ui.process.wait()
    except KeyboardInterrupt:
        term.print("Stopping the MLflow UI.")
    finally:
        ui.stop()


def _browse(url: str, no_browser: bool) -> None:
    if no_browser:
        return
    import webbrowser

    webbrowser.open(url)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(app: typer.Typer) -> None:
    app.command("open", help=HELP)(open_)


__all__ = ["open_", "register"]
