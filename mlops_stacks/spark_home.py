"""Keep PySpark's Spark Connect client from ending the process.

With only the client installed (``pyspark-client``, from the ``[spark]`` extra),
importing ``pyspark.sql.connect`` looks for a Spark installation and, finding
none, prints a paragraph and calls ``sys.exit(-1)``. MLflow imports it whenever
it looks for an active Spark session (``mlflow.start_run`` does), so any MLflow
call in a process of ours could end that process. The client needs no Spark
installation: ``SPARK_HOME`` names the client package itself, which the lookup
accepts; a real Spark installation (``bin/spark-submit`` present) or a
``SPARK_HOME`` set by the user is left alone. Child processes inherit it.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def point_at_client() -> None:
    """Set ``SPARK_HOME`` to the client package when only the client is installed."""
    if "SPARK_HOME" in os.environ:
        return
    try:
        spec = importlib.util.find_spec("pyspark")
    except (ImportError, ValueError):
        return
    if spec is None or not spec.submodule_search_locations:
        return
    home = Path(list(spec.submodule_search_locations)[0])
    if not (home / "bin" / "spark-submit").exists():
        os.environ["SPARK_HOME"] = str(home)
