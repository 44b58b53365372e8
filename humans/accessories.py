"""Built-in accessories: glasses (also an occlusion case for face perception) and a headscarf.

Glasses are thin tubes (rims, bridge, temples) placed on the person's own nose bridge, eyes and
head width, riding rigidly on the head. A headscarf is a shell over the scalp, ears and neck that
leaves the face oval open. Coordinates are face-frame millimetres (see humans.hair).
"""
from __future__ import annotations

import numpy as np

from humans.hair import AttachedMesh, HeadGeometry, _smooth, shell, surface, tube
from humans.topology import BODY_VERTICES

FRAME_RGB = {"round": (0.30, 0.18, 0.10), "rectangular": (0.05, 0.05, 0.06)}  # tortoise, black


def _rim(kind: str, centre: np.ndarray, n: int = 28) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    if kind == "round":
        return centre + np.stack([21.0 * np.cos(t), np.zeros(n), 19.0 * np.sin(t)], 1)
    # a rounded rectangle (superellipse) 52 x 34 mm
    c, s = np.cos(t), np.sin(t)
    return centre + np.stack([26.0 * np.sign(c) * np.abs(c) ** 0.4, np.zeros(n),
                              17.0 * np.sign(s) * np.abs(s) ** 0.4], 1)


def build_glasses(kind: str, geo: HeadGeometry) -> AttachedMesh | None:
    """Frames of ``kind`` (round, rectangular) on the person's face; None for ``none``."""
    if kind == "none":
        return None
    p = geo.p[: BODY_VERTICES[1]]
    bridge_zone = p[(np.abs(p[:, 0]) < 6) & (np.abs(p[:, 2] - 2.0) < 6)]
    bridge_y = float(bridge_zone[:, 1].min())
    cheek_zone = p[(np.abs(np.abs(p[:, 0]) - 32) < 8) & (np.abs(p[:, 2] + 22) < 6)]
    lens_y = min(bridge_y - 4.0, float(cheek_zone[:, 1].min()) - 6.0)
    side_zone = p[(np.abs(p[:, 2]) < 10) & (p[:, 1] > 0) & (p[:, 1] < 70)]
    half_width = float(np.abs(side_zone[:, 0]).max()) + 5.0
    pieces = []
    for sign in (1.0, -1.0):
        centre = np.array([sign * 33.0, lens_y, -2.0], np.float32)
        ring = _rim(kind, centre)
        pieces.append(tube(np.concatenate([ring, ring[:2]]), 1.7, sides=5))
        outer = centre + np.array([sign * (21.0 if kind == "round" else 26.0), 0.0, 4.0])
        temple = np.stack([outer + (np.array([sign * half_width, 85.0, 2.0]) - outer) * t
                           + np.array([0.0, 0.0, 0.0]) for t in np.linspace(0, 1, 8)])
        temple[:, 0] = np.minimum(np.abs(temple[:, 0]), half_width) * sign
        temple[:, 0] = np.where(np.abs(temple[:, 0]) < np.abs(outer[0]), outer[0], temple[:, 0])
        pieces.append(tube(temple, 1.4, sides=5))
    bridge = np.stack([np.array([12.0 - 24.0 * t, lens_y - 1.0, 4.0 + 4.0 * np.sin(np.pi * t)])
                       for t in np.linspace(0, 1, 6)])
    pieces.append(tube(bridge, 1.4, sides=5))
    pts, tris, offset = [], [], 0
    for q, f in pieces:
        pts.append(q)
        tris.append(f + offset)
        offset += len(q)
    points = np.concatenate(pts)
    # rigid on the head: every vertex anchored to the nose bridge vertex, turned with the head
    anchor = int(np.flatnonzero((np.abs(p[:, 0]) < 6) & (np.abs(p[:, 2] - 2.0) < 6))[
        np.argmin(bridge_zone[:, 1])])
    return surface(geo, "glasses", points, np.concatenate(tris), np.array([anchor]),
                   FRAME_RGB[kind], anchors=np.full(len(points), anchor), roughness=0.35,
                   double_sided=False)


def headscarf_weight_at(q: np.ndarray) -> np.ndarray:
    """The scarf's weight at face-frame points (N, 3) mm: the head and neck outside the face oval,
    down to the shoulders (``shell`` cuts the scarf's edge along it)."""
    x, y, z = q[:, 0], q[:, 1], q[:, 2]
    oval = (x / 66.0) ** 2 + ((z + 38.0) / 96.0) ** 2
    face = _smooth(1.15, 0.9, oval) * _smooth(45.0, 20.0, y)
    return (1.0 - face) * _smooth(-235.0, -205.0, z)


def headscarf_weight(geo: HeadGeometry) -> np.ndarray:
    """(V,) 0..1 on hm08's skin (see ``headscarf_weight_at``)."""
    w = headscarf_weight_at(geo.p)
    w[BODY_VERTICES[1]:] = 0.0
    w[np.linalg.norm(geo.normals, axis=1) == 0] = 0.0
    return w.astype(np.float32)


def build_headscarf(colour_srgb, geo: HeadGeometry, seed: int) -> AttachedMesh | None:
    """A scarf shell: 9 mm on the head, thickening over the neck so it drapes from the chin."""
    w = headscarf_weight(geo)
    z = geo.p[:, 2]
    thickness = 9.0 + 22.0 * _smooth(-100.0, -160.0, z)
    return shell(geo, "headscarf", w, thickness, colour_srgb, seed + 41, streaks=0.06,
                 roughness=0.9, min_mm=2.0, bumps_mm=2.0, bump_scale_mm=30.0, subdivide=1,
                 smooth_edge=1, weight_at=headscarf_weight_at)
