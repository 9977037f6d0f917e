"""Resolve data paths the way job parameters give them: relative to the bundle root."""

from __future__ import annotations

from pathlib import Path

BUNDLE_ROOT = Path(__file__).resolve().parent.parent


def bundle_path(path: str | Path) -> Path:
    """Return ``path`` as an absolute path; relative paths count from the bundle root."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else BUNDLE_ROOT / candidate


def ensure_parent(path: Path) -> Path:
    """Create the folder that will hold ``path`` and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
