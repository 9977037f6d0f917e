"""The task's ``spark`` session: started once per task process, then reused.

Embedded (the default): a Sail Spark Connect server is started in the task
process on a free loopback port (a few milliseconds; the client's modules are
already imported by the run's fork server), and the session connects to it.
Remote: the session connects to ``$MLOPS_STACKS_SPARK_REMOTE`` (``sc://host:port``).

Either way ``SPARK_REMOTE`` is set for the task, so a notebook's own
``SparkSession.builder.getOrCreate()`` returns the same session, and the
Databricks shims (paths, catalog folder, ``display``) are installed before the
notebook's first cell.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.spark import installed, remote_endpoint

_USES_SPARK = re.compile(r"\bspark\b")

_session: Any = None
_server: Any = None


def provide(env: JsonObject, source: Path) -> None:
    """Put ``spark`` in a task's globals when its file mentions it and the engine is
    installed (the pre-run check has named the extra otherwise)."""
    if "spark" in env or not installed():
        return
    try:
        text = source.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    if _USES_SPARK.search(text):
        env["spark"] = get_session()


def get_session() -> Any:
    """The task's Spark session (started on first use)."""
    global _session
    if _session is None:
        _session = _start()
    return _session


def _start() -> Any:
    global _server
    import warnings

    os.environ.setdefault("RUST_LOG", "error")  # Sail's own log lines stay out of task logs
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support")
    from mlops_stacks.spark_home import point_at_client

    point_at_client()
    remote = remote_endpoint()
    where = f"Spark Connect endpoint {remote}"
    if not remote:
        from pysail.spark import SparkConnectServer

        _server = SparkConnectServer(ip="127.0.0.1", port=0)
        _server.start(background=True)
        host, port = _server.listening_address
        remote = f"sc://{host}:{port}"
        where = f"embedded Sail engine ({remote})"
    os.environ["SPARK_REMOTE"] = remote
    from pyspark.sql import SparkSession

    from mlops_stacks.runner.shims import display
    from mlops_stacks.runner.spark import catalog, paths

    paths.install()
    catalog.install()
    display.install_dataframe_display()
    spark = SparkSession.builder.remote(remote).getOrCreate()
    tables = catalog.register_all(spark)
    print(f"[mlops-stacks] spark: {where}, {len(tables)} table(s) in the catalog folder",
          file=sys.stderr, flush=True)
    return spark


def stop() -> None:
    """Stop the session and the embedded server (the task process is ending)."""
    global _session, _server
    if _session is not None:
        try:
            _session.stop()
        except Exception:  # noqa: BLE001 - the process ends anyway
            pass
    if _server is not None:
        try:
            _server.stop()
        except Exception:  # noqa: BLE001
            pass
    _session = _server = None
