"""What the generated CI/CD pipelines do, for every platform and cloud.

Each platform's files are read into one model (``Job``: triggers, shell
commands, environment, working directory), so the same assertions hold for
GitHub Actions, Azure DevOps and GitLab:
- pull requests run the unit tests, a local deploy + run, `validate` for
  staging and prod, and the integration test on the `test` target;
- a push to the default branch deploys staging, a push to the release branch prod;
- mlops-stacks is pinned to the generating version; credentials come only from
  the platform's secret store; GitHub workflows have least privilege;
- pipelines are per project (file names, path filters, working directory, job
  names), so two projects in one repository do not collide.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import render_template

pytestmark = pytest.mark.slow

VERSION = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "templates/mlops-stacks/copier.yml").read_text()
)["mlops_stacks_version"]["default"]
PROJECT, PKG = "fraud-detector", "fraud_detector"
OTHER_PROJECT, OTHER_PKG = "Churn-Model", "churn_model"
DEFAULT, RELEASE = "trunk", "stable"
PLATFORMS = ("github_actions", "azure_devops", "gitlab")
CLOUDS = ("azure", "aws", "gcp")
CI_DIRS = {"github_actions": ".github", "azure_devops": ".azure", "gitlab": ".gitlab"}
COMMON = {"default_branch": DEFAULT, "release_branch": RELEASE}

# Repository-level files that every render of the same repository may write.
REPO_LEVEL = re.compile(
    r"^(README\.md|\.gitignore|\.copier-answers\.yml|docs/.*|\.gitlab-ci\.yml"
    r"|\.(github/workflows|azure/devops-pipelines|gitlab/pipelines)/mlops-stacks-[\w-]+\.yml)$"
)


# ---------------------------------------------------------------- rendering


def _render(job: tuple[str, dict[str, object], str | None]) -> str:
    dest, answers, seed = job
    if seed is not None:
        shutil.copytree(seed, dest)
    render_template(Path(dest), **answers)
    return dest


def _render_parallel(jobs: list[tuple[str, dict[str, object], str | None]]) -> None:
    with ProcessPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        list(pool.map(_render, jobs))


@dataclass
class Renders:
    base: Path

    def project(self, platform: str, cloud: str) -> Path:
        return self.base / f"project-{platform}-{cloud}"

    def cicd_only(self, platform: str) -> Path:
        return self.base / f"cicd_only-{platform}"

    def other_project(self, platform: str) -> Path:
        return self.base / f"other-{platform}"

    def two_projects(self, platform: str) -> Path:
        return self.base / f"two-{platform}"

    @property
    def project_only(self) -> Path:
        return self.base / "project_only"

    @property
    def added_to_cicd_repo(self) -> Path:
        return self.base / "added"


def _other_answers(platform: str) -> dict[str, object]:
    # Copier takes defaults from the .copier-answers.yml already in the destination, so
    # answers whose default derives from the project name are given explicitly.
    return dict(COMMON, project_name=OTHER_PROJECT, schema_name=OTHER_PKG,
                cicd_platform=platform, cloud="azure")


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Renders:
    r = Renders(tmp_path_factory.mktemp("cicd"))
    first: list[tuple[str, dict[str, object], str | None]] = []
    for platform, cloud in itertools.product(PLATFORMS, CLOUDS):
        answers = dict(COMMON, project_name=PROJECT, cicd_platform=platform, cloud=cloud)
        first.append((str(r.project(platform, cloud)), answers, None))
    for platform in PLATFORMS:
        first.append((str(r.cicd_only(platform)),
                      dict(COMMON, project_name="ml-repo", setup="cicd_only",
                           cicd_platform=platform, cloud="aws"), None))
        first.append((str(r.other_project(platform)), _other_answers(platform), None))
    first.append((str(r.project_only), dict(project_name=PROJECT, setup="project_only"), None))
    _render_parallel(first)
    # A second project rendered into a repository that already holds one, and what
    # `init` renders when it adds a project to a cicd_only repository.
    _render_parallel([
        *((str(r.two_projects(p)), _other_answers(p), str(r.project(p, "azure")))
          for p in PLATFORMS),
        (str(r.added_to_cicd_repo),
         dict(COMMON, project_name=PROJECT, setup="project_only", cicd_platform="gitlab",
              cloud="gcp", with_project_cicd=True), str(r.cicd_only("gitlab"))),
    ])
    return r


# ---------------------------------------------------------------- the model


@dataclass
class Job:
    file: str  # relative to the repository root
    name: str
    triggers: set[str]  # "pr", "push:<branch>", "manual"
    commands: list[str]
    env: dict[str, str]
    workdir: str | None
    extra: dict[str, object] = field(default_factory=dict)


def _lines(script: str) -> list[str]:
    return [ln.strip() for ln in script.splitlines() if ln.strip()]


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def github_jobs(repo: Path) -> list[Job]:
    jobs = []
    for path in sorted((repo / ".github/workflows").glob("*.yml")):
        wf = _load(path)
        on = wf.get("on", wf.get(True))
        triggers = set()
        for event, spec in on.items():
            if event == "pull_request":
                triggers.add("pr")
            elif event == "push":
                triggers |= {f"push:{b}" for b in spec["branches"]}
            elif event == "workflow_dispatch":
                triggers.add("manual")
        workdir = wf.get("defaults", {}).get("run", {}).get("working-directory")
        for key, job in wf["jobs"].items():
            env = dict(wf.get("env", {}), **job.get("env", {}))
            commands = []
            for step in job["steps"]:
                env.update(step.get("env", {}))
                commands += _lines(step.get("run", ""))
            jobs.append(Job(str(path.relative_to(repo)), key, triggers, commands, env, workdir,
                            {"workflow": wf, "job": job}))
    return jobs


def _azure_steps(job: dict) -> list[dict]:
    if "steps" in job:
        return job["steps"]
    return job["strategy"]["runOnce"]["deploy"]["steps"]


def azure_jobs(repo: Path) -> list[Job]:
    jobs = []
    for path in sorted((repo / ".azure/devops-pipelines").glob("*.yml")):
        pipe = _load(path)
        variables = {v["name"]: v["value"] for v in pipe.get("variables", []) if "name" in v}
        pushes = set()
        if isinstance(pipe.get("trigger"), dict):
            pushes = {f"push:{b}" for b in pipe["trigger"]["branches"]["include"]}
        prs = {"pr"} if isinstance(pipe.get("pr"), dict) else set()
        manual = {"manual"} if pipe.get("trigger") == "none" and pipe.get("pr") == "none" else set()
        stages = pipe.get("stages") or [{"stage": "-", "jobs": pipe["jobs"]}]
        for stage in stages:
            triggers = prs | pushes | manual
            cond = stage.get("condition", "")
            branch = re.search(r"'refs/heads/([^']+)'", cond)
            if branch:
                triggers = {t for t in triggers if t == f"push:{branch.group(1)}"}
            groups = [v["group"] for v in stage.get("variables", []) if "group" in v]
            for job in stage["jobs"]:
                env: dict[str, str] = {}
                commands: list[str] = []
                workdirs = set()
                for step in _azure_steps(job):
                    if "script" not in step:
                        continue
                    env.update(step.get("env", {}))
                    commands += _lines(step["script"])
                    if "workingDirectory" in step:
                        wd = step["workingDirectory"]
                        for name, value in variables.items():
                            wd = wd.replace(f"$({name})", value)
                        workdirs.add(wd.replace("$(Build.SourcesDirectory)/", ""))
                name = f"{stage['stage']}.{job.get('job') or job.get('deployment')}"
                workdir = workdirs.pop() if len(workdirs) == 1 else None
                jobs.append(Job(str(path.relative_to(repo)), name, triggers, commands, env,
                                workdir, {"groups": groups, "pipeline": pipe, "job": job}))
    return jobs


GITLAB_KEYWORDS = {"stages", "workflow", "include", "variables", "default", "image", "services",
                   "before_script", "after_script", "cache"}


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        both = isinstance(v, dict) and isinstance(out.get(k), dict)
        out[k] = _deep_merge(out[k], v) if both else v
    return out


def gitlab_files(repo: Path) -> dict[str, dict]:
    """The root file and every file its wildcard include pulls in."""
    root = _load(repo / ".gitlab-ci.yml")
    files = {".gitlab-ci.yml": root}
    for inc in root["include"]:
        for path in sorted(repo.glob(inc["local"].lstrip("/"))):
            files[str(path.relative_to(repo))] = _load(path)
    return files


def gitlab_jobs(repo: Path) -> list[Job]:
    files = gitlab_files(repo)
    merged: dict[str, dict] = {}
    where: dict[str, str] = {}
    for name, content in files.items():
        for key, value in content.items():
            assert key not in merged, f"{key} defined twice ({where.get(key)}, {name})"
            merged[key] = value
            where[key] = name
    jobs = []
    for key, job in merged.items():
        if key in GITLAB_KEYWORDS or key.startswith("."):
            continue
        parents = job.get("extends", [])
        for parent in [parents] if isinstance(parents, str) else parents:
            job = _deep_merge(merged[parent], job)
        triggers = set()
        for rule in job["rules"]:
            cond = rule["if"]
            if "merge_request_event" in cond:
                triggers.add("pr")
            branch = re.search(r'\$CI_COMMIT_BRANCH == "([^"]+)"', cond)
            if branch:
                triggers.add(f"push:{branch.group(1)}")
            if '"web"' in cond:
                triggers.add("manual")
        before = [ln for s in job.get("before_script", []) for ln in _lines(s)]
        workdir = next((ln[3:] for ln in before if ln.startswith("cd ")), None)
        commands = [ln for ln in before if not ln.startswith("cd ")]
        commands += [ln for s in job["script"] for ln in _lines(s)]
        jobs.append(Job(where[key], key, triggers, commands, dict(job.get("variables", {})),
                        workdir, {"job": job, "stages": files[".gitlab-ci.yml"]["stages"]}))
    return jobs


JOBS = {"github_actions": github_jobs, "azure_devops": azure_jobs, "gitlab": gitlab_jobs}


def project_jobs(repo: Path, platform: str, pkg: str = PKG) -> list[Job]:
    """The jobs of one project's own pipeline files."""
    jobs = [j for j in JOBS[platform](repo) if Path(j.file).name.startswith(f"{pkg}-")]
    assert jobs, f"no {platform} pipelines for {pkg} in {repo}"
    return jobs


def _find(jobs: list[Job], command: str) -> list[Job]:
    return [j for j in jobs if command in j.commands]


def _ordered(commands: list[str], expected: list[str]) -> bool:
    it = iter(commands)
    return all(any(c == e for c in it) for e in expected)


CREDENTIALS = {"azure": ("ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET"),
               "aws": ("DATABRICKS_TOKEN",), "gcp": ("DATABRICKS_TOKEN",)}
SECRET_REF = {
    "github_actions": r"^\$\{\{ secrets\.(?P<name>[A-Z0-9_]+) \}\}$",
    "azure_devops": r"^\$\((?P<name>[A-Za-z0-9_.]+)\)$",
    "gitlab": r"^\$(?P<name>[A-Z0-9_]+)$",
}
CREDENTIAL_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|ARM_|CLIENT_ID|TENANT")


def _secret_names(job: Job, platform: str) -> dict[str, str]:
    """env var -> secret-store name, for every credential-like variable (which must be a ref)."""
    out = {}
    for key, value in job.env.items():
        if CREDENTIAL_NAME.search(key):
            m = re.match(SECRET_REF[platform], str(value))
            assert m, f"{job.file}:{job.name}: {key} is not read from the secret store: {value!r}"
            out[key] = m.group("name")
    return out


PLATFORM_CLOUD = list(itertools.product(PLATFORMS, CLOUDS))
IDS = [f"{p}-{c}" for p, c in PLATFORM_CLOUD]


# ---------------------------------------------------------------- triggers and duties


@pytest.mark.parametrize(("platform", "cloud"), PLATFORM_CLOUD, ids=IDS)
def test_pull_requests_run_tests_validation_local_run_and_integration_test(
    renders: Renders, platform: str, cloud: str
) -> None:
    jobs = project_jobs(renders.project(platform, cloud), platform)
    pr = [j for j in jobs if "pr" in j.triggers]

    unit = _find(pr, "python -m pytest")
    assert len(unit) == 1
    assert _ordered(unit[0].commands, ["pip install -r requirements.txt -r test-requirements.txt",
                                       "python -m pytest"]), unit[0].commands

    validate = [j for j in pr if {"mlops-stacks validate -t staging",
                                  "mlops-stacks validate -t prod"} <= set(j.commands)]
    assert len(validate) == 1
    assert _secret_names(validate[0], platform) == {}, "validate must not need credentials"

    local = _find(pr, "mlops-stacks deploy --auto-approve")
    assert len(local) == 1
    assert _ordered(local[0].commands, [
        f'pip install "mlops-stacks[local]=={VERSION}" -r requirements.txt',
        "mlops-stacks deploy --auto-approve",
        "mlops-stacks run model_training_job",
        "mlops-stacks run batch_inference_job",
    ]), local[0].commands
    assert _secret_names(local[0], platform) == {}, "the local run needs no cloud credentials"

    integration = _find(pr, "mlops-stacks deploy -t test --auto-approve")
    assert len(integration) == 1
    assert _ordered(integration[0].commands, ["mlops-stacks deploy -t test --auto-approve",
                                              "mlops-stacks run model_training_job -t test"])
    assert _secret_names(integration[0], platform) == {
        k: f"STAGING_{k}" for k in CREDENTIALS[cloud]
    }


@pytest.mark.parametrize(("platform", "cloud"), PLATFORM_CLOUD, ids=IDS)
def test_pushes_deploy_staging_from_default_branch_and_prod_from_release_branch(
    renders: Renders, platform: str, cloud: str
) -> None:
    jobs = project_jobs(renders.project(platform, cloud), platform)
    for env, branch in (("staging", DEFAULT), ("prod", RELEASE)):
        deploys = [j for j in jobs if any(c.startswith(f"mlops-stacks deploy -t {env}")
                                          for c in j.commands)]
        assert len(deploys) == 1, f"{env}: {[j.name for j in deploys]}"
        job = deploys[0]
        assert f"mlops-stacks deploy -t {env} --auto-approve" in job.commands
        assert job.triggers - {"manual"} == {f"push:{branch}"}
        assert _secret_names(job, platform) == {
            k: f"{env.upper()}_{k}" for k in CREDENTIALS[cloud]
        }
        if platform == "azure_devops":
            assert job.extra["groups"] == [f"mlops-stacks-{env}"]
    # Nothing else deploys to a shared workspace.
    remote = [j for j in jobs if any(re.match(r"mlops-stacks deploy -t (staging|prod)", c)
                                     for c in j.commands)]
    assert all(not (j.triggers & {"pr"}) for j in remote)


@pytest.mark.parametrize(("platform", "cloud"), PLATFORM_CLOUD, ids=IDS)
def test_mlops_stacks_is_pinned_to_the_generating_version(
    renders: Renders, platform: str, cloud: str
) -> None:
    jobs = JOBS[platform](renders.project(platform, cloud))
    installs = [c for j in jobs for c in j.commands if re.search(r"\bmlops-stacks[\[=\"]", c)
                and "pip install" in c]
    assert installs
    for command in installs:
        assert re.search(rf'"mlops-stacks(\[local\])?=={re.escape(VERSION)}"', command), command
    for j in jobs:
        if any(c.startswith("mlops-stacks run") and "-t test" not in c for c in j.commands):
            assert any(f'"mlops-stacks[local]=={VERSION}"' in c for c in j.commands), j.name


@pytest.mark.parametrize(("platform", "cloud"), PLATFORM_CLOUD, ids=IDS)
def test_credentials_come_only_from_the_secret_store(
    renders: Renders, platform: str, cloud: str
) -> None:
    repo = renders.project(platform, cloud)
    used = set()
    for job in JOBS[platform](repo):
        names = _secret_names(job, platform)
        assert "DATABRICKS_HOST" not in job.env
        used |= set(names.values())
        if names and Path(job.file).name.startswith(f"{PKG}-"):
            assert set(names) == set(CREDENTIALS[cloud]), f"{job.name}: {names}"
    # Every secret the pipelines read is documented.
    docs = (repo / "docs/ci-cd.md").read_text()
    # (Azure DevOps predefined variables such as System.AccessToken are not secrets to create.)
    missing = sorted(n for n in used if "." not in n and f"`{n}`" not in docs)
    assert missing == []
    # No credential value is spelled out anywhere in the pipelines.
    for path in repo.rglob("*.yml"):
        if CI_DIRS[platform] in path.parts or path.name == ".gitlab-ci.yml":
            assert not re.search(r"dapi[0-9a-f]{8,}|client_secret\s*[:=]\s*\w", path.read_text())


def test_github_workflows_have_least_privilege_and_pinned_actions(renders: Renders) -> None:
    for cloud in CLOUDS:
        for job in github_jobs(renders.project("github_actions", cloud)):
            wf, spec = job.extra["workflow"], job.extra["job"]
            assert wf["permissions"] == {"contents": "read"}, job.file
            assert "write" not in str(spec.get("permissions", "")), job.file
            for step in spec["steps"]:
                if "uses" in step:
                    assert step["uses"] in {"actions/checkout@v4", "actions/setup-python@v5"}
            if any(c.startswith("mlops-stacks deploy -t") for c in job.commands):
                group = (spec.get("concurrency") or wf.get("concurrency"))["group"]
                cancel = (spec.get("concurrency") or wf.get("concurrency"))["cancel-in-progress"]
                assert group.startswith(f"{PKG}-") and cancel is False, job.file


# ---------------------------------------------------------------- per project


PATH_FILTERS = {
    "github_actions": [f"{PKG}/**", f".github/workflows/{PKG}-*.yml"],
    "azure_devops": [f"{PKG}/*", f".azure/devops-pipelines/{PKG}-*.yml"],
    "gitlab": [f"{PKG}/**/*", f".gitlab/pipelines/{PKG}-*.yml"],
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_pipelines_are_scoped_to_their_project(renders: Renders, platform: str) -> None:
    repo = renders.project(platform, "aws")
    jobs = project_jobs(repo, platform)
    for job in jobs:
        assert job.workdir == PKG, f"{job.file}:{job.name}"
        if platform == "github_actions":
            on = job.extra["workflow"].get("on", job.extra["workflow"].get(True))
            for event in ("pull_request", "push"):
                if event in on:
                    assert on[event]["paths"] == PATH_FILTERS[platform], job.file
        elif platform == "azure_devops":
            pipe = job.extra["pipeline"]
            section = pipe["pr"] if isinstance(pipe.get("pr"), dict) else pipe["trigger"]
            assert section["paths"]["include"] == PATH_FILTERS[platform], job.file
        else:
            assert job.name.startswith(f"{PKG}-")
            assert job.extra["job"]["stage"] in job.extra["stages"]
            for rule in job.extra["job"]["rules"]:
                assert rule["changes"] == PATH_FILTERS[platform], job.name
    files = {Path(j.file).name for j in jobs}
    assert all(f.startswith(f"{PKG}-") for f in files)


def test_gitlab_root_only_defines_stages_and_includes_the_pipelines(renders: Renders) -> None:
    for repo in (renders.project("gitlab", "azure"), renders.cicd_only("gitlab")):
        root = _load(repo / ".gitlab-ci.yml")
        assert set(root) == {"stages", "workflow", "include"}
        assert root["include"] == [{"local": ".gitlab/pipelines/*.yml"}]
        for name, content in gitlab_files(repo).items():
            if name != ".gitlab-ci.yml":
                assert "stages" not in content and "include" not in content, name


@pytest.mark.parametrize("platform", PLATFORMS)
def test_two_projects_in_one_repository_do_not_collide(renders: Renders, platform: str) -> None:
    first, other = renders.project(platform, "azure"), renders.other_project(platform)
    both = renders.two_projects(platform)
    first_files = {str(p.relative_to(first)) for p in first.rglob("*") if p.is_file()}
    other_files = {str(p.relative_to(other)) for p in other.rglob("*") if p.is_file()}
    shared = first_files & other_files
    assert shared and all(REPO_LEVEL.match(f) for f in shared), sorted(
        f for f in shared if not REPO_LEVEL.match(f))
    # Shared files other than the README and the answers are the same for every project.
    for f in shared - {"README.md", ".copier-answers.yml"}:
        assert (first / f).read_bytes() == (other / f).read_bytes(), f
    # The second render left the first project's files alone and added its own.
    for f in first_files - shared:
        assert (both / f).read_bytes() == (first / f).read_bytes(), f
    for f in other_files:
        assert (both / f).read_bytes() == (other / f).read_bytes(), f
    # Both projects' pipelines work side by side.
    jobs_first = project_jobs(both, platform, PKG)
    jobs_other = project_jobs(both, platform, OTHER_PKG)
    assert {j.workdir for j in jobs_first} == {PKG}
    assert {j.workdir for j in jobs_other} == {OTHER_PKG}
    if platform == "github_actions":
        names = [j.extra["workflow"]["name"] for j in jobs_first + jobs_other]
        assert len(set(names)) == len({j.file for j in jobs_first + jobs_other})
    if platform == "gitlab":
        all_jobs = gitlab_jobs(both)  # asserts no key is defined twice across included files
        assert {j.name for j in jobs_first}.isdisjoint({j.name for j in jobs_other})
        # + the repository's add-project and update jobs
        assert len(all_jobs) == len(jobs_first) + len(jobs_other) + 2


# ---------------------------------------------------------------- setups


@pytest.mark.parametrize("platform", PLATFORMS)
def test_cicd_only_has_repository_pipelines_and_docs_but_no_project(
    renders: Renders, platform: str
) -> None:
    repo = renders.cicd_only(platform)
    files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
    assert all(REPO_LEVEL.match(f) for f in files), files
    jobs = {Path(j.file).stem: j for j in JOBS[platform](repo)}
    assert set(jobs) == {"mlops-stacks-add-project", "mlops-stacks-update"}
    add = jobs["mlops-stacks-add-project"]
    assert add.triggers == {"manual"}
    # The update pipeline runs `mlops-stacks update` for the repository and each project.
    assert any("mlops-stacks update --defaults" in c for c in jobs["mlops-stacks-update"].commands)
    init = [c for c in add.commands if c.startswith("mlops-stacks init")]
    assert init and "--data setup=project_only" in init[0]
    guide = (repo / "docs/adding-a-project.md").read_text()
    assert "mlops-stacks init . --data setup=project_only" in guide
    assert "`STAGING_DATABRICKS_TOKEN`" in (repo / "docs/ci-cd.md").read_text()


def test_project_only_has_no_cicd(renders: Renders) -> None:
    repo = renders.project_only
    tops = {p.name for p in repo.iterdir()}
    assert tops == {PKG, "README.md", ".gitignore", ".copier-answers.yml"}


def test_a_project_added_to_a_cicd_only_repository_gets_its_pipelines(renders: Renders) -> None:
    repo = renders.added_to_cicd_repo
    files = sorted(str(p.relative_to(repo)) for p in (repo / ".gitlab").rglob("*"))
    assert files == [".gitlab/pipelines", f".gitlab/pipelines/{PKG}-bundle-cd.yml",
                     f".gitlab/pipelines/{PKG}-tests.yml",
                     ".gitlab/pipelines/mlops-stacks-add-project.yml",
                     ".gitlab/pipelines/mlops-stacks-update.yml"]
    jobs = project_jobs(repo, "gitlab")
    assert _find(jobs, "mlops-stacks deploy -t staging --auto-approve")
    assert all(_secret_names(j, "gitlab").keys() <= {"DATABRICKS_TOKEN"} for j in jobs)


# ---------------------------------------------------------------- .gitignore


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=True).stdout


def test_gitignore_ignores_local_state_and_nothing_generated(
    renders: Renders, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(renders.project("github_actions", "aws"), repo)
    _git(repo, "init", "-q")
    assert _git(repo, "ls-files", "--others", "--ignored", "--exclude-standard") == ""
    ignored = [f"{PKG}/.mlops-stacks/local/state.json", f"{PKG}/training/__pycache__/train.pyc",
               ".venv/bin/python", "venv/lib/site.py", f"{PKG}/mlruns/0/meta.yaml",
               f"{PKG}/.pytest_cache/v/cache/nodeids"]
    for path in ignored:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x")
    out = _git(repo, "ls-files", "--others", "--ignored", "--exclude-standard").split()
    assert sorted(out) == sorted(ignored)
