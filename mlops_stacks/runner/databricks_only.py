"""Before a local run: find what only Databricks has in the job's notebooks and scripts.

A notebook written for Databricks may use the ``spark`` session, read
``/databricks-datasets`` or call Feature Engineering in Unity Catalog. None of
these exist on the local workspace, and each would fail minutes into a run
(``%sql`` cells are the runner's business: such a task fails saying so).
``check_databricks_only`` reads the files of the selected tasks first and
raises one ``RunError`` naming every ``file:line`` and what to change, before
any task starts.

A file that builds its own session (``spark = SparkSession.builder...``) is not
reported for ``spark``. With the Spark engine installed (``runner/spark``), the
``spark`` session and the generated ``/databricks-datasets`` are provided, and
``shims/unsupported.py`` adds what stays Databricks-only (monitoring metric tables,
``%scala`` cells).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.errors import RunError

_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "spark",
        re.compile(r"(?<![\w.])spark\s*\.(?!\s*$)"),
        "uses the `spark` session: install the Spark engine for local runs "
        "(pip install \"mlops-stacks[spark]\"), or read data with pandas from a file of "
        "the bundle",
    ),
    (
        "databricks-datasets",
        re.compile(r"(?:dbfs:)?/databricks-datasets\b"),
        "reads /databricks-datasets, which exists only on Databricks (with the Spark engine, "
        "a sample of /databricks-datasets/nyctaxi-with-zipcodes/subsampled is generated): "
        "ship a sample file with the bundle and read it by a path relative to the notebook",
    ),
    (
        "feature-engineering",
        re.compile(r"\bdatabricks\.feature_(?:engineering|store)\b|\bFeature(?:Engineering|Store)"
                   r"Client\b"),
        "uses Databricks Feature Engineering, which needs a Databricks workspace: install the "
        "Spark engine (pip install \"mlops-stacks[spark]\"), whose local stand-in runs it, or "
        "compute the features in the notebook with pandas",
    ),
)
_OWN_SESSION = re.compile(r"^\s*spark\s*=", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.fix}"


def _code(line: str) -> str:
    """The part of a source line that is code (comments and ``# MAGIC`` lines dropped)."""
    if line.lstrip().startswith("#"):
        return ""
    return line.split(" #", 1)[0]


def _provided(what: str, code: str, own_session: bool, engine: bool) -> bool:
    """Whether the rule ``what`` is covered on this line (by the notebook or the engine)."""
    from mlops_stacks.runner.spark import datasets

    if what == "spark":
        return own_session or engine
    if what == "feature-engineering":  # the local stand-in (shims/feature_engineering.py)
        return engine
    if what == "databricks-datasets" and engine:
        paths = re.findall(r"(?:dbfs:)?/databricks-datasets[^\s'\"`)]*", code)
        return all(datasets.supported(p) for p in paths)
    return False


def scan(path: Path, shown_as: str, spark_engine: bool | None = None) -> list[Finding]:
    """Databricks-only uses in one Python source file or notebook (one finding per rule/line).

    ``spark_engine``: whether the Spark engine is installed (found out when ``None``)."""
    from mlops_stacks.runner.shims import unsupported
    from mlops_stacks.runner.spark import installed

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    engine = installed() if spark_engine is None else spark_engine
    own_session = bool(_OWN_SESSION.search(text))
    lines = text.splitlines()
    out: list[Finding] = []
    for number, line in enumerate(lines, start=1):
        code = _code(line)
        if not code.strip():
            continue
        for what, pattern, fix in _RULES:
            if pattern.search(code) and not _provided(what, code, own_session, engine):
                out.append(Finding(shown_as, number, what, fix))
                break
    out.extend(Finding(shown_as, n, what, fix)
               for n, what, fix in unsupported.scan_lines(lines, engine))
    return sorted(out, key=lambda f: f.line)


def check_databricks_only(files: Mapping[str, Path], job_key: str,
                          root: Path | None = None, spark_engine: bool | None = None) -> None:
    """``RunError`` listing each Databricks-only use in the task files (task key -> path)."""
    findings: list[Finding] = []
    seen: set[Path] = set()
    for path in files.values():
        if path in seen or path.suffix not in (".py", ""):
            continue
        seen.add(path)
        shown = path
        if root is not None:
            try:
                shown = path.resolve().relative_to(root.resolve())
            except ValueError:
                shown = path
        findings.extend(scan(path, str(shown), spark_engine))
    if not findings:
        return
    listed = "\n".join(f"  {f}" for f in findings[:20])
    more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
    raise RunError(
        f"Job '{job_key}' uses what only Databricks has; no task was started:\n{listed}{more}",
        hint="Change those lines for local runs, or run the job on Databricks "
        "(mlops-stacks run -t staging ...).",
    )
