"""Reading and writing timeline files: strict, bounded parsing on read (``hrisim.textio``, with
:class:`AnimationError`), no half-written file on write."""
from __future__ import annotations

import functools

from hrisim import textio
from hrisim.io import atomic_write_text as write_text_atomic  # noqa: F401  (the one atomic writer)
from hrisim.textio import MAX_DEPTH, MAX_INT_DIGITS, MAX_TEXT_BYTES, MAX_YAML_ALIASES  # noqa: F401 (re-exported)

from .errors import AnimationError

read_text = functools.partial(textio.read_text, error=AnimationError)
decode_text = functools.partial(textio.decode_text, error=AnimationError)
load_json = functools.partial(textio.load_json, error=AnimationError)
load_yaml = functools.partial(textio.load_yaml, error=AnimationError)
