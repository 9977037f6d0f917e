"""File selection and change detection for the file sync."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlops_stacks.deploy.sync import SyncPlan, plan_sync, select_files
from mlops_stacks.fileio import sha256_file


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


TREE = {
    "databricks.yml": "bundle: {name: x}\n",
    "src/model.py": "x = 1\n",
    "src/build/out.bin": "built\n",
    "src/keep.log": "kept by negation\n",
    "notes.log": "ignored\n",
    ".gitignore": "*.log\nbuild/\n",
    "src/.gitignore": "!keep.log\n",
    ".mlops-stacks/local/state.json": "{}\n",
    "src/__pycache__/model.cpython-311.pyc": "bytecode\n",
    "myenv/pyvenv.cfg": "home = /usr\n",
    "myenv/lib/site.py": "venv file\n",
    "data/big.csv": "a,b\n",
}
EXPECTED = [".gitignore", "data/big.csv", "databricks.yml", "src/.gitignore",
            "src/keep.log", "src/model.py"]


def test_selection_without_git_honours_nested_gitignore(tmp_path: Path) -> None:
    _write(tmp_path, TREE)
    assert select_files(tmp_path) == EXPECTED


def test_selection_in_git_repo_matches_git(tmp_path: Path) -> None:
    _write(tmp_path, TREE)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert select_files(tmp_path) == EXPECTED
    # A bundle in a subfolder of a repository: the repository's ignores apply too.
    _write(tmp_path, {"proj/databricks.yml": "x\n", "proj/a.log": "ignored\n",
                      "proj/run.py": "print()\n"})
    assert select_files(tmp_path / "proj") == ["databricks.yml", "run.py"]


def test_sync_include_and_exclude(tmp_path: Path) -> None:
    _write(tmp_path, TREE)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sync = {"include": ["notes.log", "src/build/"], "exclude": ["data/"]}
    selected = select_files(tmp_path, sync)
    assert "notes.log" in selected and "src/build/out.bin" in selected
    assert "data/big.csv" not in selected
    # Never synced, whatever the patterns say.
    forced = select_files(tmp_path, {"include": ["**"]})
    assert not [f for f in forced if f.startswith((".mlops-stacks/", "myenv/"))
                or "__pycache__" in f]


def test_plan_sync_by_content_hash(tmp_path: Path) -> None:
    _write(tmp_path, {"a.py": "a\n", "b.py": "b\n", "c.py": "c\n"})
    first = plan_sync(tmp_path, None, {})
    assert first.upload == ["a.py", "b.py", "c.py"] and first.delete == []
    _write(tmp_path, {"b.py": "changed\n"})
    (tmp_path / "c.py").unlink()
    import os

    os.utime(tmp_path / "a.py", (1, 1))  # a new mtime alone is not a change
    second = plan_sync(tmp_path, None, first.hashes)
    assert second.upload == ["b.py"]
    assert second.delete == ["c.py"]
    assert second.unchanged == ["a.py"]
    assert second.hashes["b.py"] == sha256_file(tmp_path / "b.py")


def test_new_folders_are_the_innermost_folders_no_deployed_file_sits_in() -> None:
    plan = SyncPlan(upload=["x.txt", "a/b/c.py", "a/d.py", "e/f/g/h.py", "e/z.py", "k/new.py",
                            "k/l/new.py"],
                    unchanged=["k/old.py"], changed=["k/l/m/changed.py"])
    # "" (the root), "a" and "e" are made with the folders inside them; "k" and "k/l" hold
    # deployed files already.
    assert plan.new_folders() == ["a/b", "e/f/g"]
    assert SyncPlan(upload=["x.txt"]).new_folders() == [""]
    assert SyncPlan(upload=["x.txt"], unchanged=["y.txt"]).new_folders() == []


def test_gone_folders_are_the_folders_emptied_innermost_first() -> None:
    plan = SyncPlan(delete=["a/b/c.py", "a/b/d/e.py", "x/y.py", "k/z.py", "top.txt"],
                    unchanged=["k/keep.py"], upload=["x/new.py"])
    assert plan.gone_folders() == [["a/b/d"], ["a/b"], ["a"]]
    assert SyncPlan(delete=["top.txt"]).gone_folders() == []
