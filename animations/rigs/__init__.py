"""AU rigs: turn per-frame AU-key intensities into what a renderer animates.

``get_rig("arkit")`` is the default (anny's 52 ARKit face units plus eye and head angles).
``get_rig("facshuman")`` applies FACSHuman's own morph targets; it needs the optional FACSHuman
pack (``hrisim assets install facshuman``), found in ``facshuman.default_pack_dir()``.
"""
from __future__ import annotations

import functools

from ..errors import AnimationError
from .arkit import ArkitRig
from .base import RigFrames, UnsupportedAUWarning
from .facshuman import FacsHumanPack, FacsHumanRig

__all__ = ["ArkitRig", "FacsHumanRig", "RigFrames", "UnsupportedAUWarning", "available_rigs", "get_rig"]

_RIGS = {"arkit": ArkitRig, "facshuman": FacsHumanRig}


def available_rigs() -> tuple[str, ...]:
    """Names of the rigs that can be built now (``facshuman`` only once its pack is installed)."""
    names = ["arkit"]
    try:
        FacsHumanPack()
        names.append("facshuman")
    except AnimationError:
        pass
    return tuple(names)


def get_rig(name: str = "arkit"):
    """The shared rig called ``name`` (shared, so an unsupported AU warns once per process).

    The facshuman rig is shared per pack folder, so installing the pack (or pointing
    ``HRISIM_FACSHUMAN``/``HRISIM_DATA`` elsewhere) takes effect without a restart.
    """
    if name == "facshuman":
        from .facshuman import default_pack_dir

        return _facshuman(str(default_pack_dir().resolve()))
    if name in _RIGS:
        return _shared(name)
    raise AnimationError(f"unknown rig {name!r}; available rigs: {sorted(_RIGS)}")


@functools.lru_cache(maxsize=None)
def _shared(name: str) -> ArkitRig:
    return _RIGS[name]()


@functools.lru_cache(maxsize=8)
def _facshuman(root: str) -> FacsHumanRig:
    return FacsHumanRig(FacsHumanPack(root))
