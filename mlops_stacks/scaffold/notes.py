"""What ``init`` says last: what the new project still needs before CI can deploy it.

``closing_notes(result)`` returns notes (a title and lines, the fix among them):

- placeholder workspace hosts it wrote (the template's examples, ``mlops_stacks.hosts``),
  with the ``--data`` answers that set real ones;
- a requirement for mlops-stacks that CI cannot install (an editable install, a
  local folder or file, ``mlops_stacks.install_source``), with the
  ``--data mlops_stacks_requirement=...`` fix, quoted for the shell.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_stacks.hosts import placeholder_reason
from mlops_stacks.install_source import data_fix
from mlops_stacks.jsontypes import JsonObject

if TYPE_CHECKING:
    from mlops_stacks.scaffold.api import InitResult

HOST_ANSWERS = ("staging_workspace_host", "prod_workspace_host")


@dataclass
class Note:
    title: str
    lines: list[str] = field(default_factory=list)

    def to_dict(self) -> JsonObject:
        return {"title": self.title, "lines": list(self.lines)}


def _bundle_hosts(project_dir: Path) -> dict[str, str]:
    """target -> workspace.host of the project's databricks.yml (as written)."""
    import yaml

    try:
        data = yaml.safe_load((project_dir / "databricks.yml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    targets = data.get("targets") if isinstance(data, dict) else None
    out = {}
    for name, spec in (targets or {}).items() if isinstance(targets, dict) else ():
        host = (spec or {}).get("workspace", {}).get("host") if isinstance(spec, dict) else None
        if isinstance(host, str):
            out[str(name)] = host
    return out


def _update_command(result: InitResult, *options: str) -> str:
    return shlex.join(["mlops-stacks", "update", str(result.output_dir)]) + " " + " ".join(options)


def placeholder_hosts_note(result: InitResult) -> Note | None:
    answers = {**result.inherited, **result.answers}
    asked = [k for k in HOST_ANSWERS if k in result.answers and not result.added_to_repository]
    if asked:
        found = {k: str(answers[k]) for k in asked if placeholder_reason(str(answers[k]))}
        if not found:
            return None
        lines = [f"{key} = {host}" for key, host in found.items()]
        # Quoted: pasted into a shell, an unquoted <...> would be a redirection.
        fix = [f"--data '{key}=https://<{key.split('_')[0]}-workspace-host>'" for key in found]
        lines.append("Set the real workspace URLs (then commit):")
        lines.append("  " + _update_command(result, *fix))
        return Note("Placeholder workspace hosts: these example URLs name no workspace.", lines)
    if result.project_dir is None:
        return None
    hosts = {t: h for t, h in _bundle_hosts(result.project_dir).items() if placeholder_reason(h)}
    if not hosts:
        return None
    by_host: dict[str, list[str]] = {}
    for target, host in hosts.items():
        by_host.setdefault(host, []).append(target)
    rel = result.project_dir.relative_to(result.output_dir) / "databricks.yml"
    lines = [f"{host} (targets {', '.join(ts)})" for host, ts in by_host.items()]
    lines.append(f"Set the real workspace URLs in targets.<target>.workspace.host of "
                 f"{result.output_dir / rel}.")
    return Note("Placeholder workspace hosts: these example URLs name no workspace.", lines)


def requirement_note(result: InitResult) -> Note | None:
    installed = result.installed
    if installed is None or installed.portable or result.answers.get("mlops_stacks_requirement"):
        return None
    lines = [
        f"{installed.note[0].upper()}{installed.note[1:]}.",
        f'The pipelines and READMEs install "{installed.requirement}", '
        + ("which works once that version is on your package index."
           if installed.kind == "local" else "which only this machine can reach."),
        "Else give them a requirement CI can install (then commit):",
        "  " + _update_command(result, data_fix()),
    ]
    return Note("CI cannot install mlops-stacks as it is installed here.", lines)


def closing_notes(result: InitResult) -> list[Note]:
    """The notes ``init`` prints after the next steps (see the module docstring)."""
    notes = [placeholder_hosts_note(result), requirement_note(result)]
    return [n for n in notes if n is not None]
