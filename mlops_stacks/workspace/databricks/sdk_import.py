"""Use databricks-sdk's configuration and errors without loading all of the SDK.

``import databricks.sdk.config`` first runs the package's ``__init__``, which imports
every service module of the SDK (a hundred modules, a few thousand dataclasses): about
a second of start-up before the first request, on every Databricks command. We use
only the SDK's unified configuration (credentials), its error classes and a few
service dataclasses, all of them submodules that do not need that ``__init__``.

``defer_package_init()`` puts the package in ``sys.modules`` with its ``__init__`` not
yet run: submodules import as usual, and the first look-up of a name that only the
``__init__`` defines (``from databricks.sdk import WorkspaceClient``, as MLflow does)
runs it then, so other code in the process sees the whole package.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

PACKAGE = "databricks.sdk"
_LOCK = threading.RLock()


class _DeferredPackage(types.ModuleType):
    """The SDK package before its ``__init__`` ran (see the module docstring)."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") and name != "__all__":  # `import *` asks for __all__
            raise AttributeError(name)
        with _LOCK:
            if type(self) is _DeferredPackage:
                if importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
                    return importlib.import_module(f"{PACKAGE}.{name}")
                _run_init(self)
        return types.ModuleType.__getattribute__(self, name)


def _run_init(module: types.ModuleType) -> None:
    module.__class__ = types.ModuleType  # from now on an ordinary module
    spec = module.__spec__
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(module)


def defer_package_init() -> None:
    """Make ``import databricks.sdk.<submodule>`` skip the package ``__init__`` until a
    name of it is needed. Does nothing once the SDK package is imported."""
    with _LOCK:
        if PACKAGE in sys.modules:
            return
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return  # not installed: the real import reports it
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _DeferredPackage
        sys.modules[PACKAGE] = module
        parent = sys.modules.get("databricks")
        if parent is not None:
            # The attribute the import system sets on a parent package for its submodule.
            parent.sdk = module  # type: ignore[attr-defined]
