"""Finding the template to render: the built-in one, a local folder, or a git URL.

A git URL (``https://...``, ``git@...``, ``gh:owner/repo``, ``gl:owner/repo``)
is cloned by copier to read its questions; copier then renders from the URL
itself, so the recorded ``_src_path`` stays the URL (for later updates).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.templates import builtin_template

CONFIG_NAMES = ("copier.yml", "copier.yaml")
_URL_PREFIXES = ("gh:", "gl:", "git@", "git+", "ssh://", "http://", "https://")


@dataclass(frozen=True)
class TemplateSource:
    src: str  # what copier renders from (absolute path or URL)
    vcs_ref: str | None = None  # a git template's version; None: copier's choice (newest tag)
    builtin: bool = False


def is_url(value: str) -> bool:
    return value.startswith(_URL_PREFIXES) or value.endswith(".git")


def locate_template(template: str | None, *, vcs_ref: str | None = None) -> TemplateSource:
    """Resolve ``--template`` (``None``: the built-in template) at ``vcs_ref``.

    copier itself gets a git template (cloning it, and picking its newest tag
    when no ``vcs_ref`` is given), for the questions and for rendering alike.
    """
    if template is None:
        if vcs_ref is not None:
            raise MlopsStacksError(
                "--vcs-ref picks a version of a git template; the built-in template is "
                "always the installed mlops-stacks release.",
                hint="Drop --vcs-ref, or pass --template with a git template.",
            )
        return TemplateSource(src=str(builtin_template()), builtin=True)
    if template.startswith("file://"):
        template = template[len("file://") :]
    elif is_url(template):
        return TemplateSource(src=template, vcs_ref=vcs_ref)
    folder = Path(template).expanduser()
    if not folder.exists():
        raise MlopsStacksError(
            f"--template: {template!r} does not exist. Pass a folder with a copier.yml, "
            "a git URL, or omit --template for the built-in template."
        )
    if not any((folder / name).is_file() for name in CONFIG_NAMES):
        raise MlopsStacksError(
            f"--template: {template!r} is not a copier template (no copier.yml in it). "
            "Pass the folder that holds copier.yml."
        )
    if vcs_ref is not None and not (folder / ".git").exists():
        raise MlopsStacksError(
            f"--vcs-ref: {template!r} is not a git repository, so it has no versions.",
            hint="Drop --vcs-ref, or pass the root folder of a git template.",
        )
    return TemplateSource(src=str(folder.resolve()), vcs_ref=vcs_ref)
