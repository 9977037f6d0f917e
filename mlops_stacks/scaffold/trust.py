"""What a template may do without ``--trust``.

copier itself refuses ``_tasks``, ``_migrations`` and ``_jinja_extensions``
of an untrusted template (they run code). mlops-stacks also refuses, before
anything is written, a template that keeps symbolic links
(``_preserve_symlinks: true``): a link in the generated project may point
anywhere on the machine, and ``sync`` or an upload would follow it. Paths that
would leave the destination are refused by copier for every template.

A source is trusted with ``--trust``, or for good in copier's user settings
file (``trust:``, a list of sources or prefixes ending in ``/``), which lives at
``$COPIER_SETTINGS_PATH``, else ``~/.config/copier/settings.yml`` on Linux
(copier's documented location per platform).
"""

from __future__ import annotations

from mlops_stacks.errors import MlopsStacksError
from mlops_stacks.jsontypes import JsonObject

_CODE = {
    "_tasks": "runs commands after rendering",
    "_migrations": "runs commands between versions",
    "_jinja_extensions": "loads Python code into Jinja",
}


def untrusted_features(settings: JsonObject) -> list[str]:
    """The settings of a template that need ``--trust``, each with what it does."""
    found = [f"{key} ({what})" for key, what in _CODE.items() if settings.get(key)]
    if settings.get("_preserve_symlinks"):
        found.append("_preserve_symlinks (writes symbolic links that may point outside)")
    return found


def refuse_untrusted_settings(settings: JsonObject, source: str) -> None:
    """Refuse, before anything is written, a template that needs trust and does not have it.

    For ``init``: ``_migrations`` only run on update, where copier refuses them.
    """
    needs = [f for f in untrusted_features(settings) if not f.startswith("_migrations")]
    if needs and not trusted_in_settings(source):
        raise MlopsStacksError(
            f"the template {source} needs your trust: it uses {'; '.join(needs)}. "
            "Nothing was written.",
            hint="Review the template, then pass --trust (or list it under `trust:` in "
            "copier's settings file, see docs/customizing-templates.md).",
        )


def trusted_in_settings(source: str) -> bool:
    """Whether copier's user settings file lists ``source`` as trusted."""
    # copier provides Settings lazily (a module __getattr__), so mypy does not see it.
    from copier.settings import Settings  # type: ignore[attr-defined]

    try:
        return bool(Settings.from_file().is_trusted(source))
    except Exception:  # an unreadable settings file trusts nothing
        return False
