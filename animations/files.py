"""Reading and writing timeline files: strict, bounded parsing on read (``hrisim.textio``, with
:class:`AnimationError`), no half-written file on write."""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from hrisim import textio
from hrisim.textio import MAX_DEPTH, MAX_INT_DIGITS, MAX_TEXT_BYTES, MAX_YAML_ALIASES  # noqa: F401 (re-exported)

from .errors import AnimationError

read_text = functools.partial(textio.read_text, error=AnimationError)
decode_text = functools.partial(textio.decode_text, error=AnimationError)
load_json = functools.partial(textio.load_json, error=AnimationError)
load_yaml = functools.partial(textio.load_yaml, error=AnimationError)


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
