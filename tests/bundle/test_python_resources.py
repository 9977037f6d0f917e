"""`python:` resources: the user's databricks-bundles code runs in the project's Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlops_stacks.bundle.loader import load_bundle
from tests.bundle.bundle_testkit import write_files

BUNDLE = """\
bundle:
  name: pydemo
python:
  resources:
    - "resources:load_resources"
{extra}
variables:
  catalog:
    default: main
resources:
  jobs:
    yaml_job:
      name: yaml job
targets:
  local:
    default: true
    workspace:
      host: local
"""

CODE = """\
from databricks.bundles.core import Bundle, Resources
from databricks.bundles.jobs import Job


def load_resources(bundle: Bundle) -> Resources:
    resources = Resources()
    catalog = bundle.variables["catalog"]
    resources.add_job("py_job", Job(name=f"python job {catalog}", tags={"from": "python"}))
    return resources
"""


def test_resources_from_python_join_the_yaml_ones(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": BUNDLE.format(extra=""), "resources.py": CODE})
    bundle, diags = load_bundle(tmp_path, env={"BUNDLE_VAR_catalog": "dev"})
    assert bundle is not None, [str(d) for d in diags]
    jobs = bundle.resources("jobs")
    assert jobs["yaml_job"] == {"name": "yaml job"}
    assert jobs["py_job"] == {"name": "python job dev", "tags": {"from": "python"}}
    node = bundle.tree.at("resources", "jobs", "py_job")
    assert Path(node.loc.file).name == "resources.py" and node.loc.line > 0


def test_a_python_without_the_package_is_named_with_the_fix(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")],
                   check=True)
    extra = "  venv_path: venv\n"
    write_files(tmp_path, {"databricks.yml": BUNDLE.format(extra=extra), "resources.py": CODE})
    bundle, diags = load_bundle(tmp_path, env={})
    assert bundle is None
    (err,) = diags.errors
    assert err.summary == "python.resources needs the databricks-bundles package"
    assert "pip install databricks-bundles" in err.detail
    assert err.location.line == 5  # the python.resources entries


def test_an_error_in_the_users_code_is_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {"databricks.yml": BUNDLE.format(extra=""),
                           "resources.py": CODE.replace("bundle.variables", "bundle.nothing")})
    bundle, diags = load_bundle(tmp_path, env={})
    assert bundle is None
    assert any("nothing" in d.summary + d.detail for d in diags.errors), diags


MUTATORS = """\
from dataclasses import replace

from databricks.bundles.core import Bundle, job_mutator
from databricks.bundles.jobs import Job


@job_mutator
def add_team_tag(bundle: Bundle, job: Job) -> Job:
    return replace(job, tags={**(job.tags or {}), "team": f"ml-{bundle.target}"})
"""


def test_mutators_change_every_job_yaml_and_python(tmp_path: Path) -> None:
    extra = "  mutators:\n    - \"mutators:add_team_tag\"\n"
    write_files(tmp_path, {"databricks.yml": BUNDLE.format(extra=extra), "resources.py": CODE,
                           "mutators.py": MUTATORS})
    bundle, diags = load_bundle(tmp_path, env={})
    assert bundle is not None, [str(d) for d in diags]
    jobs = bundle.resources("jobs")
    assert jobs["yaml_job"] == {"name": "yaml job", "tags": {"team": "ml-local"}}
    assert jobs["py_job"]["tags"] == {"from": "python", "team": "ml-local"}


def test_an_error_in_a_mutator_is_reported(tmp_path: Path) -> None:
    extra = "  mutators:\n    - \"mutators:add_team_tag\"\n"
    write_files(tmp_path, {"databricks.yml": BUNDLE.format(extra=extra), "resources.py": CODE,
                           "mutators.py": MUTATORS.replace("bundle.target", "bundle.nothing")})
    bundle, diags = load_bundle(tmp_path, env={})
    assert bundle is None
    assert any("nothing" in d.summary + d.detail for d in diags.errors), diags
