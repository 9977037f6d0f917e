"""``mlflow.pyfunc.spark_udf(..., env_manager="virtualenv")`` in the task's own environment.

On Databricks the ``virtualenv``, ``conda`` and ``uv`` environment managers rebuild
the model's environment on the workers. A local run has checked the job's
packages before it started, and the engine runs Python UDFs in the task's own
interpreter, so the UDF runs there (``env_manager="local"``), said once in the log.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

REBUILT = ("virtualenv", "conda", "uv")


def patch(pyfunc: ModuleType) -> None:
    original = pyfunc.spark_udf
    if getattr(original, "_mlops_stacks", False):
        return

    @functools.wraps(original)
    def spark_udf(spark: Any, model_uri: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) >= 2:  # result_type, env_manager given by position
            manager, args = args[1], (args[0], "local", *args[2:])
        else:
            manager = kwargs.get("env_manager")
            if manager is not None:
                kwargs["env_manager"] = "local"
        if manager in REBUILT:
            print(f"[mlops-stacks] spark_udf(env_manager={manager!r}) runs in the task's "
                  "own environment locally", flush=True)
        kwargs.pop("prebuilt_env_uri", None)
        return original(spark, model_uri, *args, **kwargs)

    # marks the function as our shim (functions have no such attribute in typeshed)
    spark_udf._mlops_stacks = True  # type: ignore[attr-defined]
    # the shim replaces the library's attribute in the task process
    pyfunc.spark_udf = spark_udf  # type: ignore[attr-defined]
