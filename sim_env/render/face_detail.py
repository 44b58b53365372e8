"""Face details the rasteriser cannot make by itself: a dark mouth interior, shaded teeth and tongue.

pyrender draws no shadows inside the mouth, so an opened jaw showed the mouth's inner skin lit like
the cheeks (pink-red) instead of the dark cavity every photograph shows. The light a mouth interior
receives falls off with depth behind the lips; here that is baked into the vertex colours of the
hm08 parts once, as a factor per vertex (an ambient-occlusion term), found on the neutral template:

* skin: a vertex is inside the mouth when, seen from the front with the lips closed, other skin
  lies in front of it (the lips); its colour is scaled down with its depth behind that skin;
* teeth: the front teeth stay bright, the back teeth darken with depth;
* tongue: shaded like the cavity, a little brighter at its tip.

Vertex identity carries the factors to every person and frame (the cavity stays the cavity as the
jaw opens). Built-in look only: a MakeHuman skin texture has its own colours.
"""
from __future__ import annotations

import functools

import numpy as np

from humans.topology import BODY_VERTICES, TEETH_VERTICES, TONGUE_VERTICES

MOUTH_BOX_MM = (30.0, -100.0, -45.0)  # |x| limit, z range (face frame, mm; the slit is at z -67.5)
CAVITY_FLOOR = 0.12  # the deepest cavity keeps 12 % of its lit colour
TONGUE_TIP, TONGUE_FLOOR = 0.28, 0.15  # the tongue lies in the cavity's shade, its tip a little lit
TEETH_FLOOR = 0.35
# The cornea is wet and smooth: a low roughness gives the eyes the small specular highlight of a
# photograph's catch-light (it was 0.25, a matte eye without one).
EYE_ROUGHNESS = 0.08


def _smoothstep(e0, e1, v):
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


@functools.lru_cache(maxsize=1)
def mouth_occlusion() -> np.ndarray:
    """(19158,) colour factors in (0, 1] for hm08 vertices: 1 outside the mouth (module docstring)."""
    from scipy.spatial import cKDTree

    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    p = face_frame_coordinates(template_vertices()).astype(np.float64) * 1000.0  # mm, y back
    n = len(p)
    factor = np.ones(n, np.float32)
    ids = np.arange(n)
    body = (ids >= BODY_VERTICES[0]) & (ids < BODY_VERTICES[1])
    half_width, z_lo, z_hi = MOUTH_BOX_MM
    box = (np.abs(p[:, 0]) < half_width) & (p[:, 2] > z_lo) & (p[:, 2] < z_hi) & (p[:, 1] < 40.0)
    skin = np.flatnonzero(body & box)
    # the front-most skin over each (x, z): what the camera sees with the lips closed
    tree = cKDTree(p[skin][:, [0, 2]])
    neighbours = tree.query_ball_point(p[skin][:, [0, 2]], r=2.0)
    front = np.array([p[skin[nb], 1].min() for nb in neighbours])
    depth = p[skin, 1] - front  # mm behind the skin in front of it
    # the inner faces of the lips face each other, not the camera: shade them from the lips' edge on
    facing = -_template_normals()[skin, 1]  # 1 = toward the camera (the face frame's y is back)
    inner = _smoothstep(0.5, 3.0, depth) * _smoothstep(0.6, 0.2, facing)
    factor[skin] = 1.0 - (1.0 - CAVITY_FLOOR) * np.maximum(_smoothstep(1.5, 7.0, depth), 0.8 * inner)
    lip_front = float(np.median(front))
    teeth = slice(*TEETH_VERTICES)
    factor[teeth] = 1.0 - (1.0 - TEETH_FLOOR) * _smoothstep(6.0, 22.0, p[teeth, 1] - p[teeth, 1].min())
    tongue = slice(*TONGUE_VERTICES)
    factor[tongue] = TONGUE_TIP - (TONGUE_TIP - TONGUE_FLOOR) * _smoothstep(4.0, 25.0, p[tongue, 1] - lip_front)
    return factor


def _template_normals() -> np.ndarray:
    """(19158, 3) smooth normals of the neutral template's skin, in the face frame's axes."""
    from humans.body_model import template_vertices
    from humans.mesh import smooth_normals
    from humans.topology import part_topologies

    part = part_topologies("body")["skin"]
    v = template_vertices()
    out = np.zeros_like(v)
    out[part.vertex_ids] = smooth_normals(v[None, part.vertex_ids], part.triangles)[0]
    return out


def shade_part(name: str, vertex_ids: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """``colours`` (V, 3) of hm08 part ``name`` with the mouth's occlusion applied."""
    if name not in ("skin", "teeth", "tongue"):
        return colours
    return (np.asarray(colours, np.float32) * mouth_occlusion()[vertex_ids, None]).astype(np.float32)
