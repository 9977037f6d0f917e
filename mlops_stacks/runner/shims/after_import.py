"""Run a function on a module as soon as it is imported (at once if it already is).

The shims that adjust MLflow use it, so a task that never imports MLflow does not
pay for importing it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

Hook = Callable[[ModuleType], None]


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.hooks: dict[str, list[Hook]] = {}

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        hooks = self.hooks.pop(fullname, None)
        if not hooks:
            return None
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader: Any = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            for hook in hooks:
                hook(module)

        loader.exec_module = exec_module
        return spec


_FINDER = _Finder()


def after_import(name: str, hook: Hook) -> None:
    """Call ``hook(module)`` once module ``name`` is imported."""
    module = sys.modules.get(name)
    if module is not None and type(module).__name__ != "_LazyModule":
        hook(module)
        return
    _FINDER.hooks.setdefault(name, []).append(hook)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def wrap(owner: Any, name: str, make: Callable[[Any], Callable[..., Any]]) -> None:
    """Replace ``owner.<name>`` by ``make(original)`` once (a second call does nothing)."""
    import functools

    original = getattr(owner, name)
    if getattr(original, "_mlops_stacks", False):
        return
    replacement: Any = functools.wraps(original)(make(original))
    replacement._mlops_stacks = True
    setattr(owner, name, replacement)
