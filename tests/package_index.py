"""mlops-stacks as it will be published: the built wheel in a local package index.

``build_wheel`` builds the wheel from a copy of the source tree (no build
isolation: hatchling comes from the test environment). ``simple_index`` lays
files out as a PEP 503 "simple" index folder, and ``serve`` serves a folder over
loopback (a free port) for ``pip install --index-url``; other projects are
redirected to the machine's index, so the folder stands in for that index with
our release on it. ``make_venv`` makes a fresh virtual environment.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "venv", "dist", "build", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", ".mypy_cache", ".mlops-stacks", "_templates",
)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the test venv's traces, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MLOPS_STACKS_NO_INPUT"] = "1"
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, timeout: int = 900,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env or clean_env(), capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def copy_source(dest: Path) -> Path:
    """A copy of the source tree (what a checkout of the repository holds)."""
    shutil.copytree(REPO, dest, ignore=SKIP)
    return dest


def build_wheel(source: Path, dist: Path) -> Path:
    """Build the wheel of the source tree at ``source`` into ``dist``; returns its path."""
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(source)], cwd=source.parent)
    wheels = list(dist.glob("mlops_stacks-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def simple_index(root: Path, files: list[Path]) -> Path:
    """``root/simple/`` as PEP 503 lays it out: one page per project, links with sha256."""
    projects: dict[str, list[Path]] = {}
    for file in files:
        projects.setdefault(_normalize(file.name.split("-", 1)[0]), []).append(file)
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    for project, members in projects.items():
        folder = simple / project
        folder.mkdir(parents=True, exist_ok=True)
        links = []
        for file in members:
            shutil.copy2(file, folder / file.name)
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
            links.append(f'<a href="{html.escape(file.name)}#sha256={digest}">'
                         f"{html.escape(file.name)}</a><br>")
        (folder / "index.html").write_text(
            f"<!DOCTYPE html><html><body>{''.join(links)}</body></html>\n")
    (simple / "index.html").write_text(
        "<!DOCTYPE html><html><body>"
        + "".join(f'<a href="{p}/">{p}</a><br>' for p in sorted(projects))
        + "</body></html>\n")
    return simple


#: The index this machine installs from (pip's default unless PIP_INDEX_URL says otherwise).
UPSTREAM = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")


class _Index(SimpleHTTPRequestHandler):
    """Our files; a project we do not hold is sent on to ``upstream`` (as PyPI holds it)."""

    upstream: str | None = None

    def do_GET(self) -> None:  # noqa: N802
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        local = Path(self.directory, *parts)
        if self.upstream and len(parts) == 2 and parts[0] == "simple" and not local.exists():
            self.send_response(302)
            self.send_header("Location", f"{self.upstream}/{parts[1]}/")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(folder: Path, upstream: str | None = UPSTREAM) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port); yields the base URL (no trailing slash).

    Projects the folder does not hold are redirected to ``upstream``, so the index
    stands in for the machine's index with our release published on it."""
    handler = type("Index", (_Index,), {"upstream": upstream})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def make_venv(path: Path) -> Path:
    """A fresh virtual environment at ``path``; returns its bin folder."""
    run([sys.executable, "-m", "venv", str(path)], cwd=path.parent)
    return path / "bin"
