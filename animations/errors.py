"""The one exception type of the ``animations`` package.

A subclass of ``ValueError`` so callers that already catch bad values keep working, while code
that wants to tell animation problems apart can catch ``AnimationError`` alone. Messages name the
file (and line, key or field where there is one) and say what was expected.
"""
from __future__ import annotations

from hrisim.errors import HrisimError


class AnimationError(HrisimError):
    """Bad animation input: an unknown AU key, a malformed timeline or file, an unknown name."""


class UnknownFieldWarning(UserWarning):
    """A file had fields hrisim does not know; they were ignored (the warning names them)."""
