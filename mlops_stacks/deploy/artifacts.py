"""Build the bundle's ``artifacts`` before a deploy, and check what they must produce.

Validation does not require built files (as in the Databricks CLI); deploy
does, before it takes the lock or changes anything:

1. each artifact's ``build`` command runs in its ``path`` (relative to the
   bundle root, default the root) with ``executable`` (``bash``, ``sh``;
   default ``sh``), output captured; a failing command stops the deploy with
   the end of its output;
2. each ``files[].source`` (a path or a glob, relative to the artifact's
   path) must then match at least one file;
3. each local ``whl``/``jar`` library of a job task (a path or glob that is
   not a workspace path) must match a file.
"""

from __future__ import annotations

import glob
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.bundle.nodes import relative_base
from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.bundle.model import Bundle

BUILD_TIMEOUT_SECONDS = 1800


class ArtifactError(MlopsStacksError):
    """An artifact did not build, or a file it should produce is missing."""


def _matches(base: Path, pattern: str) -> list[str]:
    full = pattern if os.path.isabs(pattern) else os.path.join(glob.escape(str(base)), pattern)
    return sorted(glob.glob(full, recursive=True))


def build_artifacts(bundle: Bundle, progress: Callable[[str], None] = lambda _m: None
                    ) -> list[str]:
    """Build every artifact and check its files; returns the files found. See the module doc."""
    found: list[str] = []
    artifacts: JsonObject = bundle.config.get("artifacts") or {}
    for name in sorted(artifacts):
        spec = artifacts[name] or {}
        base = (bundle.root / str(spec.get("path") or ".")).resolve()
        command = spec.get("build")
        if command:
            progress(f"Building artifact {name}: {command}")
            shell = str(spec.get("executable") or "sh")
            try:
                proc = subprocess.run([shell, "-c", str(command)], cwd=base, capture_output=True,
                                      text=True, timeout=BUILD_TIMEOUT_SECONDS)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ArtifactError(f"Artifact {name}: cannot run its build command: {exc}.",
                                    hint="Check artifacts." + name + ".build and .path.") from None
            if proc.returncode != 0:
                tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
                raise ArtifactError(
                    f"Artifact {name}: the build command failed (exit {proc.returncode}); "
                    f"nothing was deployed.\n{tail}",
                    hint=f"Run `{command}` in {base} to see the whole output.")
        for entry in spec.get("files") or []:
            source = str((entry or {}).get("source") or "")
            matches = _matches(base, source)
            if not matches:
                raise ArtifactError(
                    f"Artifact {name}: {source} matches no file after the build; nothing was "
                    "deployed.",
                    hint="Check artifacts." + name + ".files and what the build command writes.")
            found.extend(matches)
    jobs = bundle.tree.at("resources", "jobs")
    for key, job in jobs.items() if jobs is not None else ():
        tasks = job.get("tasks") if job.is_map else None
        for task in tasks.value if tasks is not None and tasks.is_list else []:
            libs = task.get("libraries") if task.is_map else None
            for lib in libs.value if libs is not None and libs.is_list else []:
                for kind in ("whl", "jar"):
                    node = lib.get(kind) if lib.is_map else None
                    value = node.value if node is not None else None
                    if node is None or not isinstance(value, str) or value.startswith("/") \
                            or "://" in value or "${" in value:
                        continue
                    # Relative to the file that declares it (as validate translates paths).
                    base = relative_base(node, bundle.root)
                    if not _matches(base, value):
                        task_key = task.get("task_key")
                        raise ArtifactError(
                            f"Job {key}, task {task_key.value if task_key else '?'}: library "
                            f"{value} matches no file; nothing was deployed.",
                            hint="Build it first (an `artifacts:` entry with a `build` command "
                            "does that on deploy), or fix the path.")
    return found
