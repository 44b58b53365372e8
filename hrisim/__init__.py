"""hrisim's foundation: what every package shares (the version, atomic file writes, derived seeds).

``humans``, ``animations``, ``sim_env``, ``perception`` and ``training`` may all import this
package; it imports none of them.
"""
from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def hrisim_version() -> str:
    """The installed distribution's version; ``0+unknown`` when run from a source tree without install."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hrisim")
    except PackageNotFoundError:
        return "0+unknown"


__all__ = ["hrisim_version"]
