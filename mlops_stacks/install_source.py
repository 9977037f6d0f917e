"""How the running mlops-stacks was installed, as a pip requirement CI can install.

pip and other installers record where a package came from in its
``direct_url.json`` (PEP 610); a package installed from an index has none.
``installed_requirement()`` reads that record:

- no record (an index, e.g. PyPI): ``mlops-stacks==<version>``;
- a VCS URL: ``mlops-stacks @ git+<url>@<commit>``, the exact commit installed;
- an archive at an http(s) URL: ``mlops-stacks @ <url>``;
- a local folder, an editable install, a wheel or sdist file: nothing CI can
  install. The result then carries the pin (what works once the version is
  on an index) and a note that says why, so ``init`` can name the fix.

Credentials in a recorded URL (``https://user:token@host/...``) never reach the
requirement.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from mlops_stacks import __version__

DIST = "mlops-stacks"


@dataclass(frozen=True)
class InstallSource:
    """A requirement for mlops-stacks, and whether CI elsewhere can install it."""

    requirement: str  # what the generated pipelines and READMEs pip-install
    kind: str  # "index", "vcs", "url", "local" (folder, editable, file)
    portable: bool  # False: only this machine has what was installed
    note: str = ""  # why CI cannot install it (empty when it can)
    upgrade: str = DIST  # what installs the newest release from the same place


def _strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _pin(version: str) -> str:
    return f"{DIST}=={version}"


def from_direct_url(record: str | None, version: str = __version__) -> InstallSource:
    """The requirement for an install whose PEP 610 record is ``record`` (None: no record)."""
    if not record:
        return InstallSource(_pin(version), "index", True)
    try:
        data = json.loads(record)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return InstallSource(_pin(version), "index", True)
    url = _strip_credentials(data["url"])
    subdirectory = data.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) else ""
    local = url.startswith("file:")
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id")
        at = f"@{commit}" if isinstance(commit, str) and commit else ""
        requirement = f"{DIST} @ {vcs['vcs']}+{url}{at}{fragment}"
        newest = f"{DIST} @ {vcs['vcs']}+{url}{fragment}"
        if local:
            return InstallSource(requirement, "vcs", False,
                                 f"it was installed from a git repository on this machine ({url})",
                                 newest)
        return InstallSource(requirement, "vcs", True, upgrade=newest)
    if isinstance(data.get("archive_info"), dict) and not local:
        requirement = f"{DIST} @ {url}{fragment}"
        return InstallSource(requirement, "url", True, upgrade=requirement)
    editable = isinstance(data.get("dir_info"), dict) and data["dir_info"].get("editable")
    what = ("an editable install of " if editable else "installed from ") + url.removeprefix(
        "file://")
    return InstallSource(_pin(version), "local", False, f"it is {what}")


def installed_requirement() -> InstallSource:
    """How the running mlops-stacks was installed (see the module docstring)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:  # running from a source tree
        return InstallSource(_pin(__version__), "local", False,
                             "it runs from a source tree, not an installed package")
    return from_direct_url(dist.read_text("direct_url.json"), dist.version)


def data_fix(requirement: str = f"{DIST} @ git+https://<host>/<repo>.git@<tag-or-commit>") -> str:
    """The ``--data`` option that sets the requirement, quoted for the shell."""
    return "--data " + shlex.quote(f"mlops_stacks_requirement={requirement}")


def install_data(source: InstallSource) -> dict[str, str]:
    """The template's computed values for ``source`` (see copier.yml, ``mlops_stacks_install``)."""
    return {"mlops_stacks_install": source.requirement, "mlops_stacks_upgrade": source.upgrade}
