"""Databricks notebook idioms on the local runner, one small module each.

- ``magics``: ``%cd``, ``%pip``, ``%load_ext autoreload`` and ``%autoreload`` lines;
- ``notebook_context``: ``dbutils.notebook.entry_point...notebookPath().get()``;
- ``display``: ``display(df)`` and ``DataFrame.display()`` for Spark DataFrames;
- ``registry``: ``databricks-uc`` registry URIs mapped to the target's registry;
- ``spark_udf``: ``mlflow.pyfunc.spark_udf(env_manager=...)`` in the task's environment;
- ``pip``: ``%pip install`` lines read by the pre-run requirements check;
- ``unsupported``: what stays Databricks-only, reported before any task starts.

The Spark session itself, ``dbfs:/`` and ``/databricks-datasets`` paths and the
catalog folder are in ``runner/spark/``.
"""
