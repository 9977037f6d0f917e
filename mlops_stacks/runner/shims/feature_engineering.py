"""A local stand-in for Databricks Feature Engineering (``databricks.feature_engineering``,
and the older ``databricks.feature_store``), on the Spark engine and the catalog folder.

The real client needs a workspace. In a local run, when the real package is not
installed, ``import databricks.feature_engineering`` gives this module's classes:

- ``create_table`` / ``write_table`` (``mode="merge"`` upserts by primary key and
  timestamp key) / ``read_table`` / ``drop_table``: Delta tables of the catalog folder,
  with the keys kept beside them (``<table>.feature.json``);
- ``FeatureLookup`` and ``create_training_set(...).load_df()``: features joined on the
  lookup keys; with ``timestamp_lookup_key``, point in time: each row gets the latest
  feature values at or before its timestamp (never later ones);
- ``log_model(..., training_set=...)`` logs with the flavor and keeps the lookups for
  the registered version; ``score_batch(model_uri, df)`` joins the same features the
  same way and adds a ``prediction`` column.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.runner.spark import catalog


def _spark() -> Any:
    from mlops_stacks.runner.spark.session import get_session

    return get_session()


def _keys(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _sidecar(name: str) -> Path:
    parts, in_folder = catalog.folder_name(_spark(), name)
    folder = catalog.table_folder(in_folder)
    if folder is None:
        raise RuntimeError("The Feature Engineering stand-in runs in local runs only.")
    return folder.with_name(folder.name + ".feature.json")


@dataclass
class FeatureTable:
    name: str
    primary_keys: list[str]
    timestamp_keys: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class FeatureLookup:
    table_name: str
    lookup_key: str | list[str]
    feature_names: str | list[str] | None = None
    rename_outputs: dict[str, str] | None = None
    timestamp_lookup_key: str | None = None

    def __init__(self, table_name: str, lookup_key: str | list[str],
                 feature_names: str | list[str] | None = None,
                 rename_outputs: dict[str, str] | None = None,
                 timestamp_lookup_key: str | None = None, **_: Any) -> None:
        self.table_name, self.lookup_key = table_name, lookup_key
        self.feature_names, self.rename_outputs = feature_names, rename_outputs
        self.timestamp_lookup_key = timestamp_lookup_key

    def to_dict(self) -> JsonObject:
        return {"table_name": self.table_name, "lookup_key": self.lookup_key,
                "feature_names": self.feature_names, "rename_outputs": self.rename_outputs,
                "timestamp_lookup_key": self.timestamp_lookup_key}


def _join(frame: Any, lookups: list[FeatureLookup], client: FeatureEngineeringClient) -> Any:
    """``frame`` (pandas) with each lookup's features; point in time with a timestamp key."""
    import pandas as pd

    out = frame
    for lookup in lookups:
        table = client.get_table(name=lookup.table_name)
        features = client.read_table(name=lookup.table_name).toPandas()
        keys = _keys(lookup.lookup_key)
        wanted = _keys(lookup.feature_names) or [
            c for c in features.columns if c not in table.primary_keys + table.timestamp_keys]
        renamed = {n: (lookup.rename_outputs or {}).get(n, n) for n in wanted}
        table_keys = [k for k in table.primary_keys if k not in table.timestamp_keys]
        right = features[table_keys + table.timestamp_keys + wanted].rename(
            columns={**dict(zip(table_keys, keys, strict=False)), **renamed})
        if lookup.timestamp_lookup_key and table.timestamp_keys:
            on = lookup.timestamp_lookup_key
            right = right.rename(columns={table.timestamp_keys[0]: on})
            right[on] = pd.to_datetime(right[on])
            left = out.assign(**{on: pd.to_datetime(out[on]), "__row": range(len(out))})
            merged = pd.merge_asof(left.sort_values(on), right.sort_values(on), on=on, by=keys,
                                   direction="backward")
            out = merged.sort_values("__row").drop(columns="__row").reset_index(drop=True)
        else:
            right = right.drop(columns=table.timestamp_keys).drop_duplicates(keys, keep="last")
            out = out.merge(right, on=keys, how="left")
    return out


@dataclass
class TrainingSet:
    frame: Any
    lookups: list[FeatureLookup]
    label: str | list[str] | None
    exclude_columns: list[str]
    client: FeatureEngineeringClient

    def load_df(self) -> Any:
        joined = _join(self.frame.toPandas(), self.lookups, self.client)
        return _spark().createDataFrame(joined.drop(columns=self.exclude_columns,
                                                    errors="ignore"))


class FeatureEngineeringClient:
    """The local stand-in of ``FeatureEngineeringClient`` (and ``FeatureStoreClient``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def create_table(self, name: str, primary_keys: str | list[str], df: Any = None, *,
                     timestamp_keys: str | list[str] | None = None,
                     timeseries_columns: str | list[str] | None = None,
                     schema: Any = None, description: str = "", **_: Any) -> FeatureTable:
        sidecar = _sidecar(name)
        if sidecar.exists():
            raise ValueError(f"Feature table '{name}' already exists.")
        keys = _keys(primary_keys)
        stamps = _keys(timestamp_keys) or _keys(timeseries_columns)
        table = FeatureTable(name, keys + [s for s in stamps if s not in keys],
                             stamps, description)
        frame = df if df is not None else _spark().createDataFrame([], schema)
        frame.write.mode("overwrite").saveAsTable(name)
        sidecar.write_text(json.dumps(table.__dict__), encoding="utf-8")
        return table

    def get_table(self, *, name: str, **_: Any) -> FeatureTable:
        sidecar = _sidecar(name)
        if not sidecar.exists():
            raise ValueError(f"Feature table '{name}' does not exist; create_table first.")
        return FeatureTable(**json.loads(sidecar.read_text(encoding="utf-8")))

    def read_table(self, *, name: str, **_: Any) -> Any:
        return _spark().table(name)

    def write_table(self, *, name: str, df: Any, mode: str = "merge", **_: Any) -> None:
        table = self.get_table(name=name)
        if mode == "merge":
            import pandas as pd

            both = pd.concat([self.read_table(name=name).toPandas(), df.toPandas()])
            merged = both.drop_duplicates(table.primary_keys, keep="last")
            df = _spark().createDataFrame(merged.reset_index(drop=True))
        df.write.mode("overwrite").saveAsTable(name)

    def drop_table(self, *, name: str) -> None:
        _spark().sql(f"DROP TABLE IF EXISTS {name}")
        _sidecar(name).unlink(missing_ok=True)

    def create_training_set(self, *, df: Any, feature_lookups: list[FeatureLookup],
                            label: str | list[str] | None = None,
                            exclude_columns: list[str] | None = None,
                            **_: Any) -> TrainingSet:
        return TrainingSet(df, list(feature_lookups), label, list(exclude_columns or []), self)

    def log_model(self, *, model: Any, artifact_path: str, flavor: Any,
                  training_set: TrainingSet, registered_model_name: str | None = None,
                  **kwargs: Any) -> Any:
        import mlflow

        info = flavor.log_model(model, artifact_path=artifact_path,
                                registered_model_name=registered_model_name, **kwargs)
        spec = [lookup.to_dict() for lookup in training_set.lookups]
        _specs().joinpath(f"run-{info.run_id}.json").write_text(json.dumps(spec))
        if registered_model_name:
            version = getattr(info, "registered_model_version", None) or max(
                int(v.version) for v in mlflow.MlflowClient().search_model_versions(
                    f"name='{registered_model_name}'"))
            _specs().joinpath(f"{registered_model_name}-{version}.json").write_text(
                json.dumps(spec))
        return info

    def score_batch(self, *, model_uri: str, df: Any, result_type: str = "double",
                    **_: Any) -> Any:
        import mlflow

        spec = json.loads(_spec_file(model_uri).read_text(encoding="utf-8"))
        lookups = [FeatureLookup(**entry) for entry in spec]
        joined = _join(df.toPandas(), lookups, self)
        model = mlflow.pyfunc.load_model(model_uri)
        joined["prediction"] = list(model.predict(joined))
        return _spark().createDataFrame(joined)


FeatureStoreClient = FeatureEngineeringClient


def _specs() -> Path:
    base = catalog.root()
    if base is None:
        raise RuntimeError("The Feature Engineering stand-in runs in local runs only.")
    folder = base / "_feature_models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _spec_file(model_uri: str) -> Path:
    """Where ``log_model`` kept the lookups of the model behind ``model_uri``."""
    import mlflow

    if model_uri.startswith("runs:/"):
        return _specs() / f"run-{model_uri[len('runs:/'):].split('/')[0]}.json"
    name, _, version = model_uri[len("models:/"):].partition("/")
    if "@" in name and not version:
        name, _, alias = name.partition("@")
        version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return _specs() / f"{name}-{version}.json"


MODULES = ("databricks.feature_engineering", "databricks.feature_store")


class _StandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Provides ``MODULES`` when the real packages are not installed."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MODULES:
            return None
        for finder in sys.meta_path:
            if finder is not self and getattr(finder, "find_spec", None):
                if finder.find_spec(fullname, path, target) is not None:
                    return None  # the real package
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        for name in ("FeatureEngineeringClient", "FeatureStoreClient", "FeatureLookup",
                     "FeatureTable"):
            setattr(module, name, globals()[name])


def install() -> None:
    """Make ``import databricks.feature_engineering`` find the stand-in (local runs)."""
    if not any(isinstance(f, _StandIn) for f in sys.meta_path):
        sys.meta_path.append(_StandIn())
