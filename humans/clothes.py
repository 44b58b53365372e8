"""Built-in tops: shells on the shoulders and chest, so the body is not a bare mannequin.

A top is the skin below its neckline lifted a few millimetres along the normals (see
:func:`humans.hair.shell`), riding on the body (``follow="body"``): it moves with the shoulders,
not with the head. Necklines: crew (``tshirt``, ``sweater``), a V (``vneck``), a collared
``shirt`` with a raised collar band. Coordinates are face-frame millimetres (see humans.hair).
"""
from __future__ import annotations

import numpy as np

from humans.hair import AttachedMesh, HeadGeometry, _smooth, shell
from humans.spec import CLOTH_COLOURS

CLOTH_RGB = {  # sRGB of the named cloth colours
    "white": (0.86, 0.86, 0.84), "black": (0.06, 0.06, 0.07), "grey": (0.45, 0.46, 0.47),
    "navy": (0.10, 0.14, 0.30), "blue": (0.16, 0.32, 0.62), "light_blue": (0.55, 0.68, 0.82),
    "red": (0.68, 0.12, 0.12), "maroon": (0.38, 0.08, 0.12), "green": (0.16, 0.45, 0.22),
    "olive": (0.36, 0.38, 0.18), "yellow": (0.85, 0.72, 0.22), "orange": (0.85, 0.42, 0.12),
    "pink": (0.88, 0.55, 0.65), "purple": (0.38, 0.20, 0.50), "beige": (0.76, 0.68, 0.54),
    "brown": (0.36, 0.24, 0.15), "teal": (0.10, 0.45, 0.45),
}
assert set(CLOTH_RGB) == set(CLOTH_COLOURS)


def neck_base(geo: HeadGeometry) -> float:
    """Face-frame height (mm) of the base of the neck: where the body widens into shoulders."""
    p = geo.p[: geo.normals.shape[0]]
    body = np.linalg.norm(geo.normals, axis=1) > 0
    zs = np.arange(-120.0, -320.0, -5.0)
    widths = []
    for z in zs:
        band = p[body & (np.abs(p[:, 2] - z) < 3.0)]
        widths.append(np.abs(band[:, 0]).max() if len(band) else 0.0)
    widths = np.asarray(widths)
    neck = np.median(widths[:6])  # under the jaw
    wide = np.flatnonzero(widths > 1.6 * neck)
    return float(zs[wide[0]]) if len(wide) else -170.0


def top_weight_at(geo: HeadGeometry, kind: str, base: float | None = None):
    """The top's weight as a function of face-frame points (N, 3) mm: 1 under the cloth, easing to
    0 across 6 mm above its neckline (``base``: ``neck_base(geo)``, found when not given). ``shell``
    cuts the cloth's edge where this crosses its level."""
    base = neck_base(geo) if base is None else base
    y_ref = float(np.median(geo.p[np.abs(geo.p[:, 2] - base) < 5, 1]))

    def weight(q: np.ndarray) -> np.ndarray:
        x, y, z = q[:, 0], q[:, 1], q[:, 2]
        front = _smooth(10.0, -25.0, y - y_ref)  # 1 at the chest side
        line = base + 8.0 + 6.0 * (1 - front)  # crew: a little up the neck, higher at the back
        if kind == "vneck":
            line = line - front * 75.0 * _smooth(55.0, 0.0, np.abs(x))
        elif kind == "shirt":
            line = base + 24.0 + 6.0 * (1 - front) - front * 40.0 * _smooth(22.0, 0.0, np.abs(x))
        elif kind == "sweater":
            line = base + 14.0 + 6.0 * (1 - front)
        return _smooth(0.0, -6.0, z - line)

    return weight


def top_weight(geo: HeadGeometry, kind: str, base: float | None = None) -> np.ndarray:
    """(V,) 0..1 where a top of ``kind`` covers the body (``base``: ``neck_base(geo)``)."""
    base = neck_base(geo) if base is None else base
    w = top_weight_at(geo, kind, base)(geo.p)
    w[geo.p[:, 2] < base - 170.0] = 0.0  # the chest below this is out of a head-and-shoulders frame
    w[np.linalg.norm(geo.normals, axis=1) == 0] = 0.0
    return w.astype(np.float32)


def build_top(kind: str, geo: HeadGeometry, colour_srgb, seed: int) -> AttachedMesh | None:
    """The mesh of a top (None for ``none``)."""
    if kind == "none":
        return None
    base = neck_base(geo)
    w = top_weight(geo, kind, base)
    thick = {"tshirt": 3.5, "vneck": 3.5, "shirt": 4.0, "sweater": 7.0}[kind]
    thickness = np.full(w.shape, thick, np.float32)
    if kind in ("shirt", "sweater"):  # a collar band / ribbed neck stands off the neck
        band = _smooth(0.3, 0.6, w) * _smooth(1.0, 0.8, w)
        thickness += band * (7.0 if kind == "shirt" else 3.0)
    return shell(geo, "top", w, thickness, colour_srgb, seed + 31, streaks=0.05, follow="body",
                 roughness=0.9, min_mm=1.5, weight_at=top_weight_at(geo, kind, base),
                 bumps_mm=1.0 if kind == "sweater" else 0.0, bump_scale_mm=4.0)
