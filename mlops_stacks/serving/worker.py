"""The scoring server process of ``mlops-stacks serve``: MLflow's scoring app behind
``guard.RequestGuard``, on uvicorn, for as long as the ``serve`` command lives.

Run as ``python -m mlops_stacks.serving.worker --model-uri=URI --host=H --port=P
--max-bytes=N``. Its stdin is a pipe from the ``serve`` command that is never
written: when that command ends in any way (Ctrl-C, SIGTERM, SIGHUP of a closed
terminal, SIGKILL), the pipe closes and this process exits, so no server is left
holding the port.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time


def _exit_when_parent_goes() -> None:
    """Stop this process once stdin (the pipe from ``serve``) reaches end of file."""

    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown...
        time.sleep(5)
        os._exit(0)  # ...within seconds, whatever connections are still open

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def parser() -> argparse.ArgumentParser:
    """The worker's command line (``server.worker_arguments`` writes it)."""
    out = argparse.ArgumentParser(prog="mlops_stacks.serving.worker")
    out.add_argument("--model-uri", required=True)
    out.add_argument("--host", required=True)
    out.add_argument("--port", type=int, required=True)
    out.add_argument("--max-bytes", type=int, required=True)
    return out


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    _exit_when_parent_goes()

    import mlflow.pyfunc
    import uvicorn
    from mlflow.pyfunc import scoring_server

    from mlops_stacks.serving.guard import RequestGuard

    model = mlflow.pyfunc.load_model(args.model_uri)
    app = RequestGuard(scoring_server.init(model), args.max_bytes)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
