"""The Spark engine of local runs: a ``spark`` session for notebook and Python tasks.

The engine is Sail (``pysail``), a Spark Connect server written in Rust, started
inside the task process on a free loopback port; the task talks to it with the
Spark Connect client of PySpark (``pyspark-client``). Both come with the
``[spark]`` extra. ``docs/spark.md`` says why Sail and not PySpark classic.

A target can point the session at a Spark Connect endpoint instead
(``sc://host:port``: a Spark cluster, a shared Sail server, or Databricks
through Databricks Connect): the bundle variable ``spark_remote`` of the target,
or the environment variable ``MLOPS_STACKS_SPARK_REMOTE``, which wins.

What a task finds (``task_env`` sets it for the runner):

- ``MLOPS_STACKS_CATALOG``: the target's catalog folder; a table
  ``<catalog>.<schema>.<table>`` is a Delta table in
  ``<folder>/<catalog>/<schema>/<table>``;
- ``MLOPS_STACKS_DBFS``: the folder that ``dbfs:/`` paths, ``/dbfs/`` paths and
  ``/databricks-datasets`` map to;
- ``MLOPS_STACKS_SPARK_REMOTE``: the endpoint, when one is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from mlops_stacks.jsontypes import JsonMapping

REMOTE_ENV = "MLOPS_STACKS_SPARK_REMOTE"
CATALOG_ENV = "MLOPS_STACKS_CATALOG"
DBFS_ENV = "MLOPS_STACKS_DBFS"
#: The bundle variable a target sets to use a Spark Connect endpoint.
REMOTE_VARIABLE = "spark_remote"
EXTRA = "mlops-stacks[spark]"
#: Distributions of the extra: the engine and the client.
DISTRIBUTIONS = ("pysail", "pyspark-client")


def installed() -> bool:
    """Whether the engine and its client are installed in this interpreter."""
    from mlops_stacks.runner.requirements import is_installed

    return is_installed("pysail") and (is_installed("pyspark-client") or is_installed("pyspark"))


def preload_distributions(files: Iterable[Path]) -> list[str]:
    """The extra's distributions when a task file mentions ``spark``, so that the run's
    fork server imports the client (``preload.py``) and a task does not pay for it."""
    import re

    uses = re.compile(r"\bspark\b")
    for path in files:
        try:
            if uses.search(Path(path).read_text(encoding="utf-8", errors="replace")):
                return list(DISTRIBUTIONS) if installed() else []
        except OSError:
            continue
    return []


def install_command() -> str:
    """The command that installs the extra into this interpreter."""
    import shlex

    return f'{shlex.quote(sys.executable)} -m pip install "{EXTRA}"'


def remote_setting(config: JsonMapping) -> str:
    """The target's ``spark_remote`` variable (a resolved bundle config), or ``""``."""
    variable = ((config.get("variables") or {}).get(REMOTE_VARIABLE)) or {}
    if not isinstance(variable, Mapping):
        return str(variable or "")
    return str(variable.get("value") or variable.get("default") or "")


def task_env(target_dir: Path, remote: str = "") -> dict[str, str]:
    """Environment variables that tell a task where the target's data lives."""
    env = {CATALOG_ENV: str(target_dir / "catalog"), DBFS_ENV: str(target_dir / "dbfs")}
    if remote:
        env[REMOTE_ENV] = remote
    return env


def remote_endpoint() -> str:
    """The Spark Connect endpoint tasks use (``""``: the embedded engine)."""
    return os.environ.get(REMOTE_ENV, "").strip()
