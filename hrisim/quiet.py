"""Silencing what third-party native code prints at import (warp's "no CUDA driver" note when anny loads,
pybullet's build banner): it is information for those libraries' users and noise on hrisim's output.

Python-level output and exceptions are unaffected; only the process's file descriptors 1 and 2 are
pointed at /dev/null for the duration, so a C library's ``printf`` goes nowhere.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def native_output_silenced() -> Iterator[None]:
    """Drop what native code writes to stdout/stderr inside the block (HRISIM_VERBOSE=1 keeps it)."""
    if os.environ.get("HRISIM_VERBOSE") == "1":
        yield
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no real descriptors (an embedding host): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)
