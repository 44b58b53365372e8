"""Reading and writing timeline files: clear errors on read, no half-written file on write."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import AnimationError


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; AnimationError naming the file when it is missing or not text."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnimationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AnimationError(f"{path}: expected a file, found a directory") from None
    except UnicodeDecodeError as err:
        raise AnimationError(f"{path}: expected UTF-8 text ({err.reason} at byte {err.start})") from None


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written timeline: either the old file or the complete new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
