"""Load or save a timeline in whichever format its file extension names."""
from __future__ import annotations

from pathlib import Path

from .errors import AnimationError
from .fani import read_fani, write_fani
from .native import NATIVE_SUFFIXES, read_native, write_native
from .timeline import AUTimeline

SUFFIXES = NATIVE_SUFFIXES + (".fani",)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise AnimationError(f"{path}: unknown timeline file type {path.suffix!r}; expected one of {list(SUFFIXES)}")
    return suffix


def load_timeline(path: str | Path) -> AUTimeline:
    """Read a timeline: .yaml/.yml/.json (hrisim's format) or .fani (FACSHuman)."""
    path = Path(path)
    return read_fani(path) if _suffix(path) == ".fani" else read_native(path)


def save_timeline(timeline: AUTimeline, path: str | Path) -> Path:
    """Write a timeline in the format its extension names, atomically; returns the path."""
    path = Path(path)
    return write_fani(timeline, path) if _suffix(path) == ".fani" else write_native(timeline, path)
