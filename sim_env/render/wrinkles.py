"""Per-pixel expression wrinkles on the built-in skin: AU-driven normal and occlusion maps.

FACS names creases about a millimetre wide (forehead lines of AU1/2, glabellar lines of AU4, the
nose-root wrinkles of AU9, crow's feet of AU6, the nasolabial crease, the chin's orange peel of
AU17). hm08 has a vertex every 3-10 mm there, so its ``fold_*`` morph targets can only deepen the
furrows; the creases themselves (``animations.rigs.author_targets.relief``) are drawn here, weighted
frame by frame as the rig weights the targets (``RigFrames.fold_weights``).

The maps live in a frontal projection of the neutral template (face frame x, z in mm), not in
hm08's UVs: the relief is authored in those coordinates, the face is one seamless sheet in them,
and the texture stays small (0.8 mm a texel over the face). The skin's vertices carry their
template (x, z) as texture coordinates; vertices behind the face (ears, scalp, under the chin) are
pushed radially off the map, onto its flat border. The texture is RGBA: a tangent-space normal
(128-centred so that a flat texel is exactly the mesh normal, see ``renderer``) and, in alpha, the
crease's occlusion (the cavity rule of ``face_detail``).
"""
from __future__ import annotations

import functools

import numpy as np

MM_PER_TEXEL = 0.8
X_RANGE_MM = (-76.8, 76.8)  # 192 texels
Z_RANGE_MM = (-124.0, 80.8)  # 256 texels, rows from the top (z high) down
BEHIND_Y_MM = 12.0  # template vertices farther back than this are off the map (not the face)
NOISE_SEED = 17  # the orange peel's seeded pattern (as the fold_au17 target's)


def grid_mm() -> tuple[np.ndarray, np.ndarray]:
    """(x, z) mm of every texel's centre, each (nz, nx): rows run down from the top (z high)."""
    nx = int(round((X_RANGE_MM[1] - X_RANGE_MM[0]) / MM_PER_TEXEL))
    nz = int(round((Z_RANGE_MM[1] - Z_RANGE_MM[0]) / MM_PER_TEXEL))
    x = X_RANGE_MM[0] + (np.arange(nx) + 0.5) * MM_PER_TEXEL
    z = Z_RANGE_MM[1] - (np.arange(nz) + 0.5) * MM_PER_TEXEL
    return np.meshgrid(x, z)  # (nz, nx) each


def smooth_noise(shape, seed: int, sigma_mm) -> np.ndarray:
    """Seeded noise in [-1, 1] over the grid (or any ``shape`` of texels), smooth over ``sigma_mm``
    (one value, or (rows, columns))."""
    from scipy.ndimage import gaussian_filter

    sigma = np.asarray(sigma_mm, np.float64) / MM_PER_TEXEL
    noise = gaussian_filter(np.random.default_rng(seed).uniform(-1.0, 1.0, shape), tuple(np.broadcast_to(sigma, (2,))))
    return noise / np.abs(noise).max()


@functools.lru_cache(maxsize=1)
def relief_maps() -> dict[str, np.ndarray]:
    """``fold_*`` name -> (3, nz, nx) float32: height (mm, outward), d/dx and d/dz of it, over the grid."""
    from animations.rigs.author_targets import relief

    x, z = grid_mm()
    out = {}
    for name, h in relief(x, z, smooth_noise(x.shape, NOISE_SEED, 1.5)).items():
        h = np.asarray(h, np.float64)
        dh_dz_rows, dh_dx = np.gradient(h, MM_PER_TEXEL)
        out[name] = np.stack([h, dh_dx, -dh_dz_rows]).astype(np.float32)  # rows run down in z
    return out


def texcoords(template_mm: np.ndarray) -> np.ndarray:
    """(V, 2) texture coordinates (u right with x, v up with z) of template points (V, 3), face frame mm."""
    p = np.asarray(template_mm, np.float64)
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    u = (x - X_RANGE_MM[0]) / (X_RANGE_MM[1] - X_RANGE_MM[0])
    v = (z - Z_RANGE_MM[0]) / (Z_RANGE_MM[1] - Z_RANGE_MM[0])
    behind = y > BEHIND_Y_MM
    # just off the map, away from the face's centre: a triangle spanning the edge samples only the
    # flat rim, at a fine mip level (no averaged relief there)
    cu, cv = u - 0.5, v - 0.5
    scale = np.maximum(0.52 / np.maximum(np.maximum(np.abs(cu), np.abs(cv)), 1e-3), 1.0)
    u = np.where(behind, 0.5 + cu * scale, u)
    v = np.where(behind, 0.5 + cv * scale, v)
    return np.stack([u, v], 1).astype(np.float32)


def tangent_operator(template_mm: np.ndarray, triangles: np.ndarray):
    """Sparse (V, V) map from a frame's positions to each vertex's map tangent dP/du (unnormalised).

    The per-pixel alternative (screen-space derivatives in the shader) costs about a third of the
    maps' shading time on llvmpipe. dP/du of a triangle is linear in its corners, so summed over a
    vertex's triangles (weighted by their area on the map: triangles seen edge-on by the frontal
    projection count little) it is one fixed sparse matrix. Triangles touching vertices off the map
    (``texcoords``' rim) are left out."""
    from scipy import sparse

    p = np.asarray(template_mm, np.float64)
    uv = texcoords(p).astype(np.float64)[triangles]  # (F, 3, 2)
    on_map = ~(p[:, 1] > BEHIND_Y_MM)[triangles].any(axis=1)
    du1, dv1 = (uv[:, 1] - uv[:, 0]).T
    du2, dv2 = (uv[:, 2] - uv[:, 0]).T
    sign = np.sign(du1 * dv2 - du2 * dv1) * on_map
    # dP/du * |det| = sign * (dv2 * (p1 - p0) - dv1 * (p2 - p0))
    a, b = sign * dv2, -sign * dv1
    coefficients = np.stack([-(a + b), a, b], 1)  # of corners 0, 1, 2
    rows = np.repeat(triangles, 3, axis=1).reshape(-1)  # each corner's vertex, once per corner
    cols = np.tile(triangles, (1, 3)).reshape(-1)
    data = np.repeat(coefficients[:, None, :], 3, axis=1).reshape(-1)
    n = len(p)
    return sparse.csr_matrix((data, (rows, cols)), shape=(n, n), dtype=np.float32)


def tangents(operator, positions: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(T, V, 4) float32 unit tangents (xyz, handedness +1) of ``positions`` (T, V, 3) for the
    relief map, orthogonal to ``normals``; where a vertex has none (off the map, edge-on), any
    tangent orthogonal to the normal (its relief there is flat)."""
    t_frames, v, _ = positions.shape
    t = (operator @ np.asarray(positions, np.float32).transpose(1, 0, 2).reshape(v, -1))
    t = t.reshape(v, t_frames, 3).transpose(1, 0, 2)
    n = np.asarray(normals, np.float32)
    t = t - n * np.sum(n * t, axis=-1, keepdims=True)
    length = np.linalg.norm(t, axis=-1, keepdims=True)
    axis = np.where(np.abs(n[..., 2:3]) < 0.9, np.float32([0.0, 0.0, 1.0]), np.float32([1.0, 0.0, 0.0]))
    fallback = np.cross(axis, n)
    fallback /= np.maximum(np.linalg.norm(fallback, axis=-1, keepdims=True), 1e-12)
    t = np.where(length > 1e-8, t / np.maximum(length, 1e-12), fallback)
    return np.concatenate([t, np.ones_like(t[..., :1])], -1).astype(np.float32)


def _left_share() -> np.ndarray:
    from sim_env.render.face_detail import _smoothstep

    return _smoothstep(-1.0, 1.0, grid_mm()[0][0]).astype(np.float32)  # per column: the subject's left (x > 0) is 1


def frames(fold_weights: dict[str, np.ndarray]) -> np.ndarray | None:
    """(T, nz, nx, 4) uint8 RGBA maps for ``fold_weights`` (name -> (T, 2) left/right weights, as in
    ``RigFrames``); None when no fold with relief is shown (the skin is then drawn without a map)."""
    from sim_env.render.face_detail import CAVITY_DEPTH, CAVITY_FULL, CAVITY_START, _smoothstep

    maps = relief_maps()
    shown = {k: np.asarray(w, np.float32) for k, w in fold_weights.items() if k in maps and np.any(w)}
    if not shown:
        return None
    t = next(iter(shown.values())).shape[0]
    nz, nx = next(iter(maps.values())).shape[1:]
    left = _left_share()
    out = np.empty((t, nz, nx, 4), np.uint8)
    for i in range(t):
        total = np.zeros((3, nz, nx), np.float32)
        for name, w in shown.items():
            if w[i, 0] or w[i, 1]:
                total += maps[name] * (w[i, 0] * left + w[i, 1] * (1.0 - left))
        h, gx, gz = total
        norm = np.sqrt(gx * gx + gz * gz + 1.0)
        out[i, ..., 0] = np.rint(128.0 - 127.0 * gx / norm)
        out[i, ..., 1] = np.rint(128.0 - 127.0 * gz / norm)
        out[i, ..., 2] = np.rint(128.0 + 127.0 / norm)
        occlusion = 1.0 - CAVITY_DEPTH * _smoothstep(CAVITY_START, CAVITY_FULL, -h)
        out[i, ..., 3] = np.rint(255.0 * occlusion)
    return out
