"""Per-pixel paint of the built-in skin: the brows, drawn in the face projection of ``wrinkles``.

hm08 has a vertex every 3-5 mm around the brows, so brows painted as vertex colours follow its
triangles: the brow's head hooked down beside the nose and no brow shape read crisply at 160 px.
The paint is an sRGB texture over the frontal face projection (0.8 mm a texel) carrying the brow
colour and, in alpha, how much of the skin it covers; the shader lays it over the vertex colour
(``renderer``). It moves with the skin: every vertex keeps its place on the map.
"""
from __future__ import annotations

import functools

import numpy as np

BROW_OPACITY = 0.92  # as the vertex paint (``humans.appearance.skin_vertex_colours``)
STRAND_SEED = 23  # the seeded streaks of brow hair


@functools.lru_cache(maxsize=1)
def _strands(shape: tuple[int, int]) -> np.ndarray:
    """0..1 streaks running along the brow (rows are z, columns x): brow hairs lie nearly flat."""
    from sim_env.render.wrinkles import smooth_noise

    return (0.5 + 0.5 * smooth_noise(shape, STRAND_SEED, (0.35, 1.6))).astype(np.float32)


@functools.lru_cache(maxsize=32)
def brow_paint(shape: str, thickness: float, srgb: tuple[float, float, float]) -> np.ndarray:
    """(H, W, 4) uint8: brows of ``shape`` (``humans.outfit.brow_coverage``) in colour ``srgb``."""
    from humans.outfit import brow_coverage
    from sim_env.render.wrinkles import grid_mm

    x, z = grid_mm()
    alpha = brow_coverage(x, z, shape, thickness) * BROW_OPACITY * (0.8 + 0.2 * _strands(x.shape))
    out = np.empty(x.shape + (4,), np.uint8)
    out[..., :3] = np.rint(np.clip(np.asarray(srgb, np.float64), 0.0, 1.0) * 255.0)
    out[..., 3] = np.rint(np.clip(alpha, 0.0, 1.0) * 255.0)
    out.setflags(write=False)  # cached: shared by every actor of this look
    return out
