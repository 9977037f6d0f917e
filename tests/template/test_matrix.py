"""Every answer combination of the built-in template renders into valid files.

The matrix is setup x cicd_platform x cloud x compute x include_feature_store x
include_monitoring, minus combinations that render identically: `cicd_only`
ignores the ML answers and `project_only` ignores `cicd_platform` (both claims
are checked by ``test_ignored_answers_do_not_change_the_output``).

Everything is rendered once per session, in parallel, and each distinct file
content is checked once, with one external tool call per kind of check:
- no Jinja left over (GitHub/Azure `${{ }}` and Databricks `{{job.*}}` references are fine),
- every YAML file parses,
- every bundle passes the official Databricks bundle schema (the oracle),
- every bundle validates clean with our own engine for every target, with no
  credentials (in-process, distinct bundles once), but for the warning on the
  example hosts the defaults write,
- GitHub workflows pass actionlint and the GitHub workflow schema,
- Azure DevOps pipelines and GitLab CI files pass their schemas.

The checks are ``mlops_stacks.scaffold.checks``, the same ones ``mlops-stacks
template test`` runs on any template.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mlops_stacks.scaffold import checks
from tests.conftest import ORACLE, render_template

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PROJECT = "matrix-project"
PACKAGE = "matrix_project"

SETUPS = ("project_and_cicd", "project_only", "cicd_only")
PLATFORMS = ("github_actions", "azure_devops", "gitlab")
CLOUDS = ("azure", "aws", "gcp")
COMPUTES = ("serverless", "classic")
BOOLS = (False, True)


def combinations() -> list[dict[str, object]]:
    """The answer combinations that can render differently."""
    combos: list[dict[str, object]] = []
    for setup in SETUPS:
        platforms = (None,) if setup == "project_only" else PLATFORMS
        ml = (
            [(None, None, None)]
            if setup == "cicd_only"
            else list(itertools.product(COMPUTES, BOOLS, BOOLS))
        )
        for platform, cloud, (compute, fs, mon) in itertools.product(platforms, CLOUDS, ml):
            answers: dict[str, object] = {"project_name": PROJECT, "setup": setup, "cloud": cloud}
            if platform is not None:
                answers["cicd_platform"] = platform
            if compute is not None:
                answers.update(compute=compute, include_feature_store=fs, include_monitoring=mon)
            combos.append(answers)
    return combos


def combo_id(answers: dict[str, object]) -> str:
    parts = [str(answers["setup"]), str(answers.get("cicd_platform", "-")), str(answers["cloud"])]
    if "compute" in answers:
        parts += [
            str(answers["compute"]),
            "fs" if answers["include_feature_store"] else "nofs",
            "mon" if answers["include_monitoring"] else "nomon",
        ]
    return "-".join(parts)


def _render_one(job: tuple[str, dict[str, object]]) -> str:
    dest, answers = job
    render_template(Path(dest), **answers)
    return dest


def render_all(base: Path, combos: list[dict[str, object]]) -> dict[str, Path]:
    """Render every combination under ``base`` (in parallel); returns id -> repo dir."""
    jobs = [(str(base / combo_id(a)), a) for a in combos]
    workers = max(1, min(4, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(_render_one, jobs))
    return {combo_id(a): Path(d) for a, d in zip(combos, done, strict=True)}


@dataclass
class Rendered:
    """All rendered repositories, and their files indexed by distinct content."""

    dirs: dict[str, Path]
    files: dict[str, list[Path]] = field(default_factory=dict)  # id -> files (relative)
    unique: dict[str, Path] = field(default_factory=dict)  # sha256 -> first file with it

    def __post_init__(self) -> None:
        for cid, root in self.dirs.items():
            rel = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
            self.files[cid] = rel
            for r in rel:
                digest = hashlib.sha256((root / r).read_bytes()).hexdigest()
                self.unique.setdefault(digest, root / r)

    def unique_where(self, predicate: Callable[[Path], bool]) -> list[Path]:
        return sorted(p for p in self.unique.values() if predicate(p))


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    base = tmp_path_factory.mktemp("matrix")
    return Rendered(render_all(base, combinations()))


def _repo_rel(path: Path, rendered: Rendered) -> Path:
    for root in rendered.dirs.values():
        if path.is_relative_to(root):
            return path.relative_to(root)
    raise AssertionError(path)


def test_matrix_covers_every_distinct_combination(matrix: Rendered) -> None:
    # 72 (project_and_cicd) + 24 (project_only) + 9 (cicd_only)
    assert len(matrix.dirs) == 3 * 3 * 2 * 2 * 2 + 3 * 2 * 2 * 2 + 3 * 3
    for cid, files in matrix.files.items():
        assert files, f"{cid} rendered nothing"


def _contents(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_ignored_answers_do_not_change_the_output(matrix: Rendered, tmp_path: Path) -> None:
    """The dedupe above is sound: the answers it drops do not change any file."""
    cases = {
        "cicd_only-gitlab-aws": {
            "setup": "cicd_only", "cicd_platform": "gitlab", "cloud": "aws",
            "compute": "classic", "include_feature_store": True, "include_monitoring": False,
        },
        "project_only---gcp-classic-fs-nomon": {
            "setup": "project_only", "cicd_platform": "azure_devops", "cloud": "gcp",
            "compute": "classic", "include_feature_store": True, "include_monitoring": False,
        },
    }
    for cid, answers in cases.items():
        reference = matrix.dirs[cid]
        other = render_template(tmp_path / cid, project_name=PROJECT, **answers)
        ref_files = _contents(reference)
        new_files = _contents(other)
        ref_files.pop(Path(".copier-answers.yml"))
        new_files.pop(Path(".copier-answers.yml"))
        assert sorted(new_files) == sorted(ref_files), cid
        changed = [str(p) for p in ref_files if ref_files[p] != new_files[p]]
        assert changed == [], f"{cid}: ignored answers changed {changed}"


def test_layout_per_setup(matrix: Rendered) -> None:
    """Projects appear only with a project, pipelines only with CI/CD, nothing is left unnamed."""
    ci_roots = {".github", ".azure", ".gitlab", ".gitlab-ci.yml"}
    for cid, files in matrix.files.items():
        names = {str(f) for f in files}
        tops = {f.parts[0] for f in files}
        setup = cid.split("-")[0]
        assert {"README.md", ".gitignore", ".copier-answers.yml"} <= names, cid
        assert not any(".jinja" in n or "{" in n for n in names), cid
        if setup == "cicd_only":
            assert PACKAGE not in tops, cid
        else:
            assert f"{PACKAGE}/databricks.yml" in names, f"{cid}: no bundle in {PACKAGE}/"
        if setup == "project_only":
            assert not tops & ci_roots and "docs" not in tops, cid
        else:
            assert "docs" in tops and tops & ci_roots, cid


def test_no_jinja_left(matrix: Rendered) -> None:
    assert checks.leftover_markers(matrix.unique.values()) == []


def test_every_yaml_file_parses(matrix: Rendered) -> None:
    yamls = matrix.unique_where(lambda p: p.suffix in (".yml", ".yaml"))
    assert yamls
    assert checks.yaml_errors(yamls) == []


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def test_bundles_pass_the_official_schema(matrix: Rendered) -> None:
    if not ORACLE.exists():
        pytest.skip(f"the bundle schema oracle is absent ({ORACLE})")
    # One directory per distinct bundle: hash the YAML files of every bundle root.
    distinct: dict[str, Path] = {}
    for root in matrix.dirs.values():
        bundle = root / PACKAGE
        if not (bundle / "databricks.yml").exists():
            continue
        ymls = sorted(p for p in bundle.rglob("*.yml") if ".mlops-stacks" not in p.parts)
        digest = hashlib.sha256(b"".join(str(p.relative_to(bundle)).encode() + p.read_bytes()
                                         for p in ymls)).hexdigest()
        distinct.setdefault(digest, bundle)
    assert distinct, "no generated bundle to check"
    result = _run([sys.executable, str(ORACLE), *map(str, distinct.values())])
    assert result.returncode == 0, result.stdout + result.stderr


TARGETS = ("local", "dev", "staging", "prod", "test")
SKIPPED_LOOKUPS = "workspace look-ups were skipped"


def _distinct_bundles(matrix: Rendered) -> dict[str, list[str]]:
    """Bundle root -> the combinations that rendered it byte for byte (first root kept)."""
    roots: dict[str, Path] = {}
    combos: dict[str, list[str]] = {}
    for cid, root in matrix.dirs.items():
        bundle = root / PACKAGE
        if not (bundle / "databricks.yml").exists():
            continue
        files = sorted(p for p in bundle.rglob("*") if p.is_file()
                       and ".mlops-stacks" not in p.parts and "__pycache__" not in p.parts)
        digest = hashlib.sha256(b"".join(str(p.relative_to(bundle)).encode() + b"\0"
                                         + p.read_bytes() for p in files)).hexdigest()
        roots.setdefault(digest, bundle)
        combos.setdefault(str(roots[digest]), []).append(cid)
    return combos


def test_every_project_validates_clean_for_every_target_without_credentials(
    matrix: Rendered, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """local, dev, staging, prod and test load with no errors or warnings; remote targets
    note (once) that workspace look-ups were skipped."""
    from mlops_stacks.bundle import load_bundle
    from mlops_stacks.bundle.checks.workspace import is_placeholder_warning

    for key in list(os.environ):
        if key.startswith(("DATABRICKS_", "BUNDLE_VAR_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    bundles = _distinct_bundles(matrix)
    expected = sum(1 for cid in matrix.dirs if not cid.startswith("cicd_only"))
    assert sum(len(c) for c in bundles.values()) == expected  # every project is covered
    problems = []
    for bundle, cids in bundles.items():
        for target in TARGETS:
            loaded, diags = load_bundle(root=bundle, target=target)
            # The note that look-ups were skipped is expected (once) for remote targets.
            skipped = sum(1 for d in diags if d.summary.startswith(SKIPPED_LOOKUPS))
            # So is the warning on the example hosts (tests/cli/test_validate.py checks it).
            unexpected = [d for d in diags if d.severity.value in ("error", "warning")
                          and not d.summary.startswith(SKIPPED_LOOKUPS)
                          and not is_placeholder_warning(d)]
            if loaded is None or unexpected or skipped != (target != "local"):
                shown = "\n".join(f"  {d.severity.value}: {d.summary} ({d.location})"
                                  for d in unexpected) or f"  {skipped} skipped-look-up warnings"
                problems.append(f"{', '.join(cids)} -t {target}:\n{shown}")
    assert problems == [], "\n".join(problems)


def _ci_files(matrix: Rendered, top: str) -> list[Path]:
    return matrix.unique_where(
        lambda p: _repo_rel(p, matrix).parts[0] == top and p.suffix == ".yml"
    )


def test_github_workflows_pass_actionlint(matrix: Rendered) -> None:
    workflows = _ci_files(matrix, ".github")
    assert workflows
    assert checks.actionlint_problems(workflows) == []


def test_github_workflows_pass_the_workflow_schema(matrix: Rendered) -> None:
    files = _ci_files(matrix, ".github")
    assert files
    assert checks.schema_problems("github", files) == []


def test_azure_pipelines_pass_the_pipeline_schema(matrix: Rendered) -> None:
    files = _ci_files(matrix, ".azure")
    assert files
    assert checks.schema_problems("azure", files) == []


def test_gitlab_files_pass_the_gitlab_ci_schema(matrix: Rendered) -> None:
    files = _ci_files(matrix, ".gitlab") + matrix.unique_where(lambda p: p.name == ".gitlab-ci.yml")
    assert any(p.name == ".gitlab-ci.yml" for p in files)
    assert checks.schema_problems("gitlab", files) == []
