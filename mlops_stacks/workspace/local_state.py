"""The local deployment state on disk: ``state.json`` and the journal of changes since.

``state.json`` is replaced whole (atomically) at the start and end of a deploy;
in between, each applied change is one line appended to ``state.journal``
(JSON, ``\\n``-terminated, written with one ``write``), so recording a change
costs the same for the 5th resource as for the 5,000th. A killed process loses
nothing written; the journal is not forced to disk line by line (a power cut can
lose its last lines: the next deploy then adopts those resources by name).
``read`` returns the document with the journal's entries under ``journal``
(a line cut short by a kill is dropped); ``deploy/state.py`` replays the
entries made on top of the document's serial. ``write`` empties the journal
after replacing the document; entries that survive a kill between the two
carry an older serial and are ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from mlops_stacks.fileio import atomic_write_json
from mlops_stacks.jsontypes import JsonMapping, JsonObject, JsonValue
from mlops_stacks.state_files import read_json_object

JOURNAL_NAME = "state.journal"


def read(state_file: Path, journal_file: Path) -> JsonObject | None:
    """The state document with its journal entries, or ``None`` before the first deploy.

    A damaged document is a ``DamagedFile`` naming it, with the way out.
    """
    data = read_json_object(
        state_file, what="the deployment state",
        hint="Restore it from a backup, or delete it and run `mlops-stacks deploy` "
        "again: existing jobs, experiments and models are adopted by name.",
    )  # fmt: skip
    if data is None:
        return None
    entries = read_journal(journal_file)
    if entries:
        data["journal"] = entries
    return data


def read_journal(journal_file: Path) -> list[JsonValue]:
    """The journal's entries; a damaged line (a kill in the middle of a write) is skipped."""
    try:
        raw = journal_file.read_bytes()
    except FileNotFoundError:
        return []
    entries: list[JsonValue] = []
    for line in raw.split(b"\n"):
        if line.strip():
            with contextlib.suppress(ValueError):
                entries.append(json.loads(line))
    return entries


def write(state_file: Path, journal_file: Path, state: JsonMapping) -> None:
    """Replace the document, then start the journal over."""
    atomic_write_json(state_file, {k: v for k, v in state.items() if k != "journal"})
    with contextlib.suppress(FileNotFoundError):
        journal_file.unlink()


def append(journal_file: Path, entry: JsonMapping) -> None:
    """Append one entry (one ``write`` of the whole line: a kill never leaves half of it
    before a later line)."""
    line = json.dumps(dict(entry), separators=(",", ":"), default=str).encode("utf-8") + b"\n"
    fd = os.open(journal_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def delete(state_file: Path, journal_file: Path) -> None:
    for path in (journal_file, state_file):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
