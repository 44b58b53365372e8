"""The root of hrisim's own exception types.

Every error hrisim raises about a bad input (a file, a setting, an option) is a :class:`HrisimError`:
``AnimationError``, ``HumanSpecError``, ``AssetError``, ``CheckpointError``, ``DatasetError``. It is a
``ValueError``, so code that already catches bad values keeps working, and the command line prints
it as one line (``hrisim <command>: error: <file>:<line>: ...``) instead of a traceback. The bad-input
corpus test asserts that no other exception type reaches a user.
"""
from __future__ import annotations


class HrisimError(ValueError):
    """A bad input; the message names the file (line, field) and what was expected."""


class UsageError(HrisimError):
    """The command line itself is wrong (an unknown id, a bad option value): ``hrisim`` exits with 2,
    as argparse does for its own usage errors; every other failure exits with 1."""
