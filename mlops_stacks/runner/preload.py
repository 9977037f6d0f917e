"""Which modules the fork server imports before it forks the tasks of a job.

The first run of a job preloads the libraries the job declares (its
``requirements.txt``, environment dependencies, task libraries), by their
import names, plus the submodules that are slow to import and that tasks
nearly always use (``mlflow.pyfunc``, ``sklearn.base``, ...). A job that
declares nothing preloads nothing the first time (guessing MLflow for a job
that does not use it would cost seconds).

Every task process then reports the installed-library modules it ended up
with (``library_modules``; never the project's own code), and the runner keeps
their union per job (``preload/<job>.json`` beside ``runs/``): the next run of that job
preloads exactly what its tasks imported, in the order they imported it.
"""

from __future__ import annotations

import json
import sys
import sysconfig
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from mlops_stacks.fileio import atomic_write_json
from mlops_stacks.jsontypes import JsonObject

# Slow submodules tasks nearly always use, by distribution name.
_SUBMODULES = {
    "mlflow": ["mlflow.pyfunc", "mlflow.tracking", "mlflow.models"],
    "scikit-learn": ["sklearn.base", "sklearn.utils"],
    "pandas": ["pandas"],
    "pyspark-client": ["pyspark.sql.connect.session", "pyspark.sql.connect.readwriter",
                       "pyspark.sql.connect.dataframe", "pyspark.sql.functions"],
    "pysail": ["pysail.spark"],
}
# Caches that preloaded libraries fill on first use, filled once in the fork server
# (while the first task runs) so that the tasks forked after it inherit them:
# module -> functions to call (best effort).
# MLflow maps modules to installed distributions (``packages_distributions``, about
# a second) each time a task logs or loads a model, to compare requirements.
WARM_UPS = {
    "mlflow.utils.requirements_utils": (
        "_init_modules_to_packages_map",
        "_init_packages_to_modules_map",
    ),
}
_SKIPPED_TOP = frozenset({"__main__", "mlops_stacks", "pip", "setuptools", "_distutils_hack"})


def seed_modules(distributions: Iterable[str]) -> list[str]:
    """Import names of ``distributions`` (installed ones only), with their slow submodules."""
    names = list(distributions)
    if not names:
        return []
    tops = _top_level_names()
    out: list[str] = []
    for dist in names:
        key = dist.lower().replace("_", "-")
        for module in tops.get(key, []) + _SUBMODULES.get(key, []):
            if module not in out and module.split(".")[0] not in _SKIPPED_TOP:
                out.append(module)
    return out


def _top_level_names() -> dict[str, list[str]]:
    """Distribution name (normalised) -> its top-level import names."""
    out: dict[str, list[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        if module.startswith("_") or not module.isidentifier():
            continue
        for dist in dists:
            out.setdefault(dist.lower().replace("_", "-"), []).append(module)
    return out


def warm_up() -> list[str]:
    """Fill the caches of ``WARM_UPS`` whose modules are loaded; the ones filled."""
    done = []
    for module_name, functions in WARM_UPS.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        for name in functions:
            try:
                getattr(module, name)()
            except Exception:  # noqa: BLE001 - a cache we cannot fill is filled by the task
                continue
            done.append(f"{module_name}.{name}")
    return done


def learned_file(runs_dir: Path, job_key: str) -> Path:
    """Beside the runs folder: ``<target dir>/preload/<job>.json``."""
    return Path(runs_dir).parent / "preload" / f"{job_key}.json"


def read_learned(runs_dir: Path, job_key: str) -> list[str] | None:
    """The modules the job's tasks imported last time (``None`` if unknown or stale)."""
    try:
        data = json.loads(learned_file(runs_dir, job_key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not _same_environment(str(data.get("python"))):
        return None
    modules = data.get("modules")
    return [str(m) for m in modules] if isinstance(modules, list) else None


def _same_environment(python: str) -> bool:
    """Whether ``python`` is this interpreter, under this name or another in its folder
    (``python`` and ``python3`` of one virtual environment: a console script runs one,
    ``python -m`` the other)."""
    import os

    here = Path(sys.executable)
    return python == sys.executable or (
        Path(python).parent == here.parent and os.path.realpath(python) == os.path.realpath(here))


def save_learned(
    runs_dir: Path, job_key: str, reports: Iterable[Path], *, partial: bool = False
) -> None:
    """Keep the union of what the tasks reported (in import order) for the next run;
    a ``partial`` run (``--only``) adds to what earlier runs of the other tasks used."""
    merged: dict[str, None] = dict.fromkeys(
        (read_learned(runs_dir, job_key) or []) if partial else []
    )
    for path in reports:
        try:
            names = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(names, list):
            merged.update(dict.fromkeys(str(n) for n in names))
    if merged:
        atomic_write_json(
            learned_file(runs_dir, job_key), {"python": sys.executable, "modules": list(merged)}
        )


def library_modules(modules: JsonObject | None = None) -> list[str]:
    """Names of loaded modules that come from installed libraries or the standard
    library (not the project's code), in the order they were imported."""
    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    roots = {str(p) for k in keys if (p := paths.get(k))}
    roots |= {str(Path(r).resolve()) for r in roots}
    prefixes = tuple(r.rstrip("/\\") + ("/" if "/" in r else "\\") for r in roots)
    out = []
    for name, module in list((modules if modules is not None else sys.modules).items()):
        if name.split(".")[0] in _SKIPPED_TOP:
            continue
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.startswith(prefixes):
            out.append(name)
    return out
