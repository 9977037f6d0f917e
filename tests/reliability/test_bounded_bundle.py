"""Hostile bundles load in bounded time and memory, and every problem is a diagnostic.

Each case is a small file that used to hang, eat gigabytes or end in a traceback.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from mlops_stacks.bundle import load_bundle
from tests.deploy.bundle_project import cli

HEAD = "bundle:\n  name: demo\nworkspace:\n  host: local\n"


def _load(root: Path, text: str) -> tuple[list[str], float, float]:
    """Load ``text`` as databricks.yml: (diagnostics as 'summary @ location', s, peak MB)."""
    (root / "databricks.yml").write_text(text)
    tracemalloc.start()
    start = time.monotonic()
    try:
        _bundle, diags = load_bundle(root)
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return [f"{d.summary} @ {d.locations[0] if d.locations else ''}" for d in diags], \
        elapsed, peak


def test_nested_aliases_are_capped(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, y, z, w, v, u, t, s, r]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    text = HEAD + "x-aliases:\n" + "".join(f"  {line}\n" for line in lines)
    assert len(text) < 1000
    diags, elapsed, peak = _load(tmp_path, text)
    assert diags == ["YAML aliases expand to more than 100000 values @ "
                     f"{tmp_path / 'databricks.yml'}:11:12"]
    assert elapsed < 10 and peak < 200


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    text = HEAD + """\
x-cluster: &cluster
  spark_version: 15.4.x-scala2.12
  num_workers: 1
resources:
  jobs:
    a:
      name: a
      job_clusters: [{job_cluster_key: c, new_cluster: *cluster}]
    b:
      name: b
      job_clusters: [{job_cluster_key: c, new_cluster: {<<: *cluster, num_workers: 2}}]
"""
    (tmp_path / "databricks.yml").write_text(text)
    bundle, diags = load_bundle(tmp_path)
    assert bundle is not None, [str(d) for d in diags]
    jobs = bundle.config["resources"]["jobs"]
    assert jobs["a"]["job_clusters"][0]["new_cluster"]["num_workers"] == 1
    assert jobs["b"]["job_clusters"][0]["new_cluster"]["num_workers"] == 2


def test_exponential_references_are_capped(tmp_path: Path) -> None:
    text = HEAD + "variables:\n  v0:\n    default: abcdefghij\n"
    for i in range(1, 9):
        text += f'  v{i}:\n    default: "' + f"${{var.v{i - 1}}}" * 10 + '"\n'
    diags, elapsed, peak = _load(tmp_path, text)
    assert diags == ["reference ${var.v5} makes a value longer than 1000000 characters @ "
                     f"{tmp_path / 'databricks.yml'}:19:14"]
    assert elapsed < 10 and peak < 200


def test_exponential_complex_references_are_capped(tmp_path: Path) -> None:
    text = HEAD + "variables:\n  k0:\n    type: complex\n    default: [1, 2, 3, 4, 5]\n"
    for i in range(1, 9):
        text += (f"  k{i}:\n    type: complex\n    default: ["
                 + ", ".join([f'"${{var.k{i - 1}}}"'] * 10) + "]\n")
    diags, elapsed, peak = _load(tmp_path, text)
    assert diags and all("copies more than 50000 values in all" in d for d in diags)
    assert elapsed < 10 and peak < 300


def test_a_chain_of_300_variables_is_a_message(tmp_path: Path) -> None:
    text = HEAD + "variables:\n" + "".join(
        f"  c{i}:\n    default: ${{var.c{i + 1}}}\n" for i in range(300)
    ) + "  c300:\n    default: end\n"
    diags, elapsed, _ = _load(tmp_path, text)
    assert diags and all("starts a chain of more than 100 references" in d for d in diags)
    assert elapsed < 10
    proc = cli(tmp_path, "validate")
    assert proc.returncode == 1 and "RecursionError" not in proc.stderr
    # a chain of 90 is fine
    text = HEAD + "variables:\n" + "".join(
        f"  c{i}:\n    default: ${{var.c{i + 1}}}\n" for i in range(90)
    ) + "  c90:\n    default: end\n"
    (tmp_path / "databricks.yml").write_text(text)
    bundle, diags = load_bundle(tmp_path)
    assert bundle is not None and bundle.config["variables"]["c0"]["value"] == "end"


@pytest.mark.parametrize("pattern", ["/**/*.nomatch", "../**/*.yml", "sub/../../*.yml",
                                     "**/../../**/*.yml"])
def test_include_patterns_stay_inside_the_bundle(tmp_path: Path, pattern: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "outside.yml").write_text("resources: {}\n")
    start = time.monotonic()
    diags, _, _ = _load(root, HEAD + f'include:\n  - "{pattern}"\n')
    assert time.monotonic() - start < 5
    assert diags == [f'include "{pattern}" leads outside the bundle root @ '
                     f"{root / 'databricks.yml'}:6:5"]


def test_include_walks_neither_link_loops_nor_links_out(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "resources").mkdir(parents=True)
    (root / "resources" / "jobs.yml").write_text("resources:\n  jobs:\n    a:\n      name: a\n")
    for name in ("loop1", "loop2", "loop3"):
        os.symlink(".", root / name)  # each one doubles what glob.glob would walk
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "evil.yml").write_text("resources:\n  jobs:\n    evil: {}\n")
    os.symlink(tmp_path / "elsewhere", root / "linked")
    os.symlink(tmp_path / "elsewhere" / "evil.yml", root / "evil.yml")
    start = time.monotonic()
    (root / "databricks.yml").write_text(HEAD + 'include:\n  - "**/*.yml"\n')
    bundle, diags = load_bundle(root)
    assert time.monotonic() - start < 5
    assert bundle is not None, [str(d) for d in diags]
    assert list(bundle.config["resources"]["jobs"]) == ["a"]


@pytest.mark.parametrize(("value", "message"), [
    ("!!int notanint", 'value "notanint" tagged !!int is not an integer'),
    ("!!float abc", 'value "abc" tagged !!float is not a number'),
    ("!!bool maybe", 'value "maybe" tagged !!bool is not true or false'),
])
def test_bad_yaml_tags_are_diagnostics(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "databricks.yml").write_text(HEAD + f"""\
resources:
  jobs:
    a:
      name: a
      timeout_seconds: {value}
""")
    proc = cli(tmp_path, "validate")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert message in out and "databricks.yml:9:24" in out
    assert "Traceback" not in out


def test_plain_values_that_only_look_typed_stay_text(tmp_path: Path) -> None:
    (tmp_path / "databricks.yml").write_text(HEAD + "variables:\n  x:\n    default: 0x_\n")
    bundle, diags = load_bundle(tmp_path)
    assert bundle is not None and bundle.config["variables"]["x"]["value"] == "0x_"


def test_path_part_longer_than_255_bytes_is_a_message(tmp_path: Path) -> None:
    long = "a" * 300
    (tmp_path / "databricks.yml").write_text(HEAD + f"""\
resources:
  jobs:
    a:
      name: a
      tasks:
        - task_key: T
          notebook_task:
            notebook_path: ./{long}/nb.py
""")
    for command in (["validate"], ["deploy", "--auto-approve"]):
        proc = cli(tmp_path, *command)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, out
        assert "Traceback" not in out and "OSError" not in out
        assert "databricks.yml:12:28" in out


def test_os_errors_reaching_the_cli_are_messages(tmp_path: Path) -> None:
    """A path the system refuses, named on the command line: a message, exit 1."""
    proc = cli(tmp_path, "init", "--defaults", "--no-git", "--data", "project_name=demo",
               str(tmp_path / ("b" * 300) / "out"))
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2), out
    assert "Traceback" not in out


def test_include_patterns_may_reach_into_a_sync_paths_folder(tmp_path: Path) -> None:
    """Shared configuration beside the bundle loads when its folder is in sync.paths."""
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "common" / "vars").mkdir(parents=True)
    (tmp_path / "common" / "vars" / "shared.vars.yml").write_text(
        "variables:\n  shared_name:\n    default: from-common\n")
    (tmp_path / "secrets.yml").write_text("variables:\n  leaked:\n    default: x\n")
    text = (HEAD + "sync:\n  paths:\n    - .\n    - ../common/vars\n"
            "include:\n  - ../common/vars/*.yml\n")
    diags, _, _ = _load(root, text)
    assert diags == []
    bundle, _ = load_bundle(root)
    assert bundle is not None
    assert bundle.config["variables"]["shared_name"]["value"] == "from-common"
    # the sync.paths folder is the limit: a file beside it stays out
    for pattern in ("../common/vars/../../secrets.yml", "../*.yml", "../common/*/../../*.yml"):
        diags, _, _ = _load(root, text.replace("../common/vars/*.yml", pattern))
        assert diags == [f'include "{pattern}" leads outside the bundle root @ '
                         f"{root / 'databricks.yml'}:10:5"], pattern
