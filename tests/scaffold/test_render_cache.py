"""The built-in template's compiled Jinja is cached between runs, without changing output."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path


def _init(cwd: Path, out: str, cache: Path) -> None:
    env = {**os.environ, "MLOPS_STACKS_NO_INPUT": "1", "MLOPS_STACKS_CACHE_DIR": str(cache)}
    subprocess.run(
        [sys.executable, "-m", "mlops_stacks", "init", "--defaults", "--no-git",
         "--data", "project_name=demo", out],
        cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=120,
    )


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


def test_second_render_uses_the_cache_and_gives_the_same_project(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _init(tmp_path, "first", cache)
    cached = list(cache.glob("jinja-*/*"))
    assert len(cached) >= 10  # one entry per compiled (.jinja) template file
    _init(tmp_path, "second", cache)
    assert sorted(cache.glob("jinja-*/*")) == sorted(cached)  # reused, nothing new compiled
    first, second = tmp_path / "first", tmp_path / "second"
    (first / ".copier-answers.yml").unlink()
    (second / ".copier-answers.yml").unlink()
    assert _same_tree(first, second)


def test_an_unwritable_cache_folder_does_not_stop_init(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    _init(tmp_path, "demo", blocker)
    assert (tmp_path / "demo" / "demo" / "databricks.yml").is_file()
