"""Built-in appearance: skin, lips, brows, eyes, teeth and tongue without any asset pack.

anny gives geometry only, so colour is ours. We paint per-vertex colours on the hm08 topology from
face regions defined once on anny's neutral template (in a face frame anchored on the eyes), so the
regions follow every face shape and expression. Eyes are our own spheres with iris and pupil, placed
on hm08's eye helpers and turned for gaze.

Skin tones use the Monk Skin Tone (MST) scale, whose ten reference colours span light to dark skin.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from humans.topology import BODY_VERTICES, EYE_VERTICES

# Monk Skin Tone scale reference colours, sRGB: Ellis Monk, "Monk Skin Tone Scale" (2019), swatches as
# published by Google at https://skintone.google/get-started (CC BY 4.0). They are photographs' colours
# of skin; decoded to linear light (``mst_albedo``) they serve as the skin's diffuse albedo.
MST_HEX = (
    "f6ede4", "f3e7db", "f7ead0", "eadaba", "d7bd96",
    "a07e56", "825c43", "604134", "3a312a", "292420",
)
# Iris base colours, sRGB.
EYE_COLOURS = {
    "dark_brown": (0.20, 0.12, 0.07),
    "brown": (0.36, 0.22, 0.11),
    "hazel": (0.45, 0.36, 0.18),
    "green": (0.30, 0.42, 0.25),
    "blue": (0.30, 0.45, 0.62),
    "grey": (0.48, 0.52, 0.55),
}


def _hex(h: str) -> np.ndarray:
    return np.array([int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)], dtype=np.float32)


def mst_rgb(tone: int) -> np.ndarray:
    """sRGB colour (0..1) of Monk Skin Tone ``tone`` (1 = lightest, 10 = darkest)."""
    if not 1 <= int(tone) <= 10:
        raise ValueError(f"skin tone must be on the Monk scale 1..10, got {tone!r}")
    return _hex(MST_HEX[int(tone) - 1])


def mst_albedo(tone: int) -> np.ndarray:
    """Linear-light diffuse albedo of Monk Skin Tone ``tone``: its swatch decoded from sRGB."""
    return srgb_to_linear(mst_rgb(tone))


# Facial skin is redder than the MST swatches of the lighter tones (CIELAB a* of 0 to 3.5 for MST
# 1-5, which reads grey-yellow, "ashy", on a face): spectrophotometry of faces finds facial redness
# a* about the same in every ethnic group (Xiao et al. 2017, "Characterising the variations in
# ethnic skin colours", Skin Research and Technology 23:21-29: groups differ in lightness and
# yellowness, not facial redness; cheek and forehead are redder than the arm), near 10 for light
# and medium skin, and lower chroma for the darkest skin (which lies on a "blackness" scale). A
# face keeps its swatch's lightness L* and yellowness b* (what the Monk scale orders) and takes
# at least FACE_REDNESS of redness, scaled down below L* = 40; b* is kept at least 0.9 a* so light
# skin stays peach rather than pink (the three palest lose up to 4 L* to stay inside sRGB).
FACE_REDNESS = 10.0


def face_skin_rgb(tone: int) -> np.ndarray:
    """sRGB (0..1) of facial skin of Monk tone ``tone``: its swatch's L* and b*, facial redness a*
    (see :data:`FACE_REDNESS`)."""
    L, a, b = srgb_to_lab(mst_rgb(tone))
    a = max(a, FACE_REDNESS * float(np.clip(L / 40.0, 0.5, 1.0)))
    b = max(b, 0.9 * a)
    rgb = lab_to_srgb(np.array([L, a, b]))
    while rgb.max() > 1.0:  # the palest swatches sit at the sRGB gamut's edge: keep hue, lose a little L*
        L -= 0.25
        rgb = lab_to_srgb(np.array([L, a, b]))
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


_XYZ_FROM_LINEAR = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_D65 = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours (..., 3) in 0..1."""
    lin = srgb_to_linear(np.asarray(rgb, np.float64)).astype(np.float64)
    xyz = lin @ _XYZ_FROM_LINEAR.T / _D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def lab_to_srgb(lab) -> np.ndarray:
    """sRGB (..., 3), unclipped, of CIELAB (D65) colours."""
    lab = np.asarray(lab, np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _D65
    lin = xyz @ np.linalg.inv(_XYZ_FROM_LINEAR).T
    lin = np.clip(lin, 0.0, None)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, dtype=np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class Appearance:
    """Colours (sRGB 0..1) and a few shape choices of a person's built-in look."""

    skin: tuple[float, float, float]
    lips: tuple[float, float, float]
    brows: tuple[float, float, float]
    brow_thickness: float  # 1.0 = average
    iris: tuple[float, float, float]
    hair: tuple[float, float, float] | None  # short cropped hair painted on the scalp, or bald
    hairline: float  # 0 = low, 1 = receding
    blush: float  # redness of cheeks, nose and ears
    seed: int = 0
    sclera: tuple[float, float, float] = (0.93, 0.91, 0.88)
    # a natural incisor, not a paper white (L* 90): CIELAB (78, 1.5, 17); dental spectrophotometer
    # studies put natural incisors at L* about 75-80 and b* about 15-20 (VITA classical A2-A3)
    teeth: tuple[float, float, float] = (0.816, 0.748, 0.634)
    tongue: tuple[float, float, float] = (0.75, 0.38, 0.40)
    eyelashes: tuple[float, float, float] = (0.05, 0.04, 0.04)
    # The built-in look's meshes (humans.outfit): hair style, facial hair, brows, clothes.
    hair_style: str = "short"
    facial_hair: str = "none"
    brow_shape: str = "soft_arch"
    top: str = "tshirt"
    top_colour: tuple[float, float, float] = (0.25, 0.32, 0.45)
    glasses: str = "none"
    headscarf: tuple[float, float, float] | None = None
    # Age parameters for skin detail (0 = young adult skin, 1 = about 80 years): folds
    # (nasolabial, periorbital, forehead lines) and texture (blotches) grow with it.
    age_folds: float = 0.0
    long_hair_mm: float = 200.0  # how far long straight/wavy hair falls below the eyes
    # The dark line the lashes make along the lid margins: paint strength, width (mm).
    lash_strength: float = 0.9
    lash_width_mm: float = 3.0
    beard_shadow: float = 0.0  # a shaven man's beard area tinted by the hair under the skin (0..1)


# Facial features by sex, (female, male): the lips' share of lip colour over skin, the brows'
# height (1 = the full band of face_regions: women's brows are thinner and sit higher), the lash
# line's strength and width (mm). Women's eye and mouth regions contrast more with their skin
# (Russell 2009), which lets a face's sex be read at 160 px when hair does not tell it.
SEX_CONTRAST = {"lips": (0.68, 0.48), "brow_thickness": (0.78, 1.0),
                "lash_strength": (1.0, 0.8), "lash_width_mm": (3.8, 2.6)}
# A shaven adult man's beard area is darker and greyer than the rest of his face (the hairs under
# the skin show through it); the tint is his hair colour, so it is faint for fair hair.
BEARD_SHADOW = 0.3


def appearance_for(spec) -> Appearance:
    """A person's default look from their spec: tone, sex, age, eye colour, seed."""
    rng = np.random.default_rng([int(spec.seed), 7])
    tone = int(spec.effective_skin_tone)
    skin = face_skin_rgb(tone)
    darkness = (tone - 1) / 9.0
    male = spec.gender >= 0.5
    # Lips: darker and redder than the skin on light tones, darker and browner on dark tones.
    # Women's faces have more luminance contrast between the lips (and eyes) and the skin around
    # them than men's, and that contrast is itself a cue to sex (Russell 2009, Perception 38):
    # women's lips stand further from the skin, men's closer.
    lip_tint = np.array([0.80, 0.42, 0.42]) * (1 - darkness) + np.array([0.42, 0.25, 0.24]) * darkness
    lip_share = SEX_CONTRAST["lips"][male]
    lips = (1 - lip_share) * skin + lip_share * lip_tint * (0.55 + 0.45 * skin.mean())
    old = float(np.clip((spec.age_years - 45.0) / 35.0, 0.0, 1.0))
    hair_dark = np.array([0.07, 0.05, 0.04])
    hair_brown = np.array([0.25, 0.16, 0.09])
    hair_blond = np.array([0.55, 0.42, 0.25])
    if tone <= 3 and rng.random() < 0.35:
        base_hair = hair_blond if rng.random() < 0.4 else hair_brown
    elif tone <= 5 and rng.random() < 0.4:
        base_hair = hair_brown
    else:
        base_hair = hair_dark
    grey = np.array([0.62, 0.60, 0.58])
    hair = (1 - 0.8 * old) * base_hair + 0.8 * old * grey
    brows = 0.7 * hair + 0.3 * hair_dark if old < 0.5 else 0.6 * base_hair + 0.4 * grey
    bald = male and old > 0.3 and rng.random() < 0.5
    look = _look_of(spec, hair, brows, rng)
    if look["hair_style"] is not None:  # the spec's built-in look decides; paint follows it
        hair, brows = look.pop("hair_rgb"), look.pop("brows_rgb")
        bald = look["hair_style"] == "bald"
    return Appearance(
        **{k: v for k, v in look.items() if k not in ("hair_rgb", "brows_rgb")},
        skin=tuple(float(x) for x in skin),
        lips=tuple(float(x) for x in np.clip(lips, 0, 1)),
        brows=tuple(float(x) for x in brows),
        brow_thickness=float(SEX_CONTRAST["brow_thickness"][male] * rng.uniform(0.85, 1.15)),
        iris=EYE_COLOURS.get(spec.eye_colour, EYE_COLOURS["brown"]),
        hair=None if bald else tuple(float(x) for x in hair),
        hairline=float(np.clip((0.5 if male else 0.15) * old + rng.uniform(0.0, 0.25), 0, 1)),
        blush=float((0.35 if tone <= 5 else 0.15) * rng.uniform(0.7, 1.3)),
        long_hair_mm=140.0 if male else 200.0,
        lash_strength=SEX_CONTRAST["lash_strength"][male],
        lash_width_mm=SEX_CONTRAST["lash_width_mm"][male],
        beard_shadow=BEARD_SHADOW if male and spec.age_years >= 18 else 0.0,
        seed=int(spec.seed),
    )


# ----------------------------------------------------------------------------- face regions


@dataclasses.dataclass(frozen=True)
class FaceRegions:
    """Soft per-vertex weights (19158,) in [0, 1] on the hm08 topology."""

    lips: np.ndarray
    brows: np.ndarray
    cheeks: np.ndarray
    scalp: np.ndarray  # 1 on the scalp, with the hairline height in ``scalp_height``
    scalp_height: np.ndarray  # height above the brows (m), to place the hairline
    lids: np.ndarray  # eyelids and sockets, slightly darker
    noise: np.ndarray  # per-vertex pseudo-random field in [-1, 1] (pores, blotches)


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def face_frame_coordinates(vertices: np.ndarray) -> np.ndarray:
    """Vertices in a face frame: origin between the eyes (m), x to the subject's left, y back, z up."""
    centre = 0.5 * (
        vertices[slice(*EYE_VERTICES["L"])].mean(0) + vertices[slice(*EYE_VERTICES["R"])].mean(0)
    )
    return vertices - centre


@functools.lru_cache(maxsize=1)
def face_regions() -> FaceRegions:
    """Regions on anny's neutral template; computed once, then carried by vertex identity."""
    from humans.body_model import template_vertices

    template = template_vertices()
    p = face_frame_coordinates(template) * 1000.0  # mm
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    ax = np.abs(x)
    front = y < -12.0
    n = template.shape[0]
    body = np.zeros(n, bool)
    body[slice(*BODY_VERTICES)] = True

    # Lips: vermilion between an upper boundary with a cupid's bow and a rounder lower boundary,
    # around the mouth slit measured on the template (z = -67.5 mm under the eye line).
    slit, half_width = -67.5, 25.0
    u = np.clip(ax / half_width, 0, 1)
    upper = slit + 10.0 * (1 - u**2) ** 0.6 - 1.8 * np.exp(-((ax / 3.5) ** 2)) + 1.2 * np.exp(-(((ax - 6) / 4) ** 2))
    lower = slit - 13.0 * (1 - u**1.8) ** 0.7
    inside = _smoothstep(-1.2, 0.6, upper - z) * _smoothstep(-1.2, 0.6, z - lower)
    lips = inside * _smoothstep(half_width + 1.0, half_width - 2.0, ax) * (y < -18.0) * body

    # Brows: the default shape (a person's own is drawn per pixel, ``sim_env.render.skin_paint``);
    # this band makes them matte and paints them where no texture is drawn.
    from humans.outfit import brow_weights

    brows = brow_weights("soft_arch", 1.0) * front

    cheeks = np.exp(-(((ax - 38.0) / 14.0) ** 2 + ((z + 38.0) / 14.0) ** 2)) * front * body
    lids = np.exp(-(((ax - 31.0) / 16.0) ** 2 + ((z - 2.0) / 9.0) ** 2)) * body
    scalp = _smoothstep(20.0, 35.0, z) * body
    rng = np.random.default_rng(1234)
    noise = rng.uniform(-1, 1, n).astype(np.float32)
    return FaceRegions(
        lips=lips.astype(np.float32),
        brows=brows.astype(np.float32),
        cheeks=cheeks.astype(np.float32),
        scalp=scalp.astype(np.float32),
        scalp_height=(z / 1000.0).astype(np.float32),
        lids=lids.astype(np.float32),
        noise=noise,
    )


# The mouth in the face frame (mm): |x| limit (the inner cheek walls) and z range (the cavity's floor
# at -105; the slit is at -67.5, the palate rises to -22, the floor of the eye socket begins at -16);
# the depth behind which the back of the neck lies; the level above which only skin behind the face's
# front (y > 0) can be mouth (the nostrils, also behind skin seen from the front, are not).
MOUTH_BOX_MM = (40.0, -106.0, -18.0)
MOUTH_BACK_MM = 100.0
NOSTRILS_ABOVE_MM = -44.0


def xz_barycentric(d: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric (u, w) of points seen along the face frame's depth (y): ``d`` (..., 2) their x, z
    offsets from a triangle's first corner, ``e1``, ``e2`` (..., 3) its edges. A point lies over the
    triangle when u, w >= 0 and u + w <= 1; NaN for a triangle seen edge-on (it covers nothing)."""
    det = e1[..., 0] * e2[..., 2] - e1[..., 2] * e2[..., 0]
    det = np.where(np.abs(det) < 1e-9, np.nan, det)
    u = (d[..., 0] * e2[..., 2] - d[..., 1] * e2[..., 0]) / det
    w = (e1[..., 0] * d[..., 1] - e1[..., 2] * d[..., 0]) / det
    return u, w


@functools.lru_cache(maxsize=1)
def mouth_depth_mm() -> np.ndarray:
    """(19158,) mm each skin vertex of the neutral template lies behind the lips, seen from the front:
    > 0 on the lips' inner faces and the walls of the mouth cavity, 0 elsewhere.

    A forward ray from a vertex of the cavity meets skin (the lips, from inside or out) before air;
    hm08's cavity reaches about 8 cm back and up to the palate; the back of the neck (whose rays
    cross the head) lies further. Hair, scarves and beards are grown on the skin, so they must not line the cavity (an open
    mouth showed a headscarf or a beard inside it), and its walls are in the dark (``face_detail``).
    """
    from humans.body_model import template_vertices
    from humans.topology import part_topologies

    p = face_frame_coordinates(np.asarray(template_vertices(), np.float64)) * 1000.0  # mm, y back
    skin = part_topologies("body")["skin"]
    tris = skin.vertex_ids[skin.triangles]
    half_width, z_lo, z_hi = MOUTH_BOX_MM
    centres = p[tris].mean(1)
    near = ((np.abs(centres[:, 0]) < half_width + 10.0) & (centres[:, 2] > z_lo - 10.0)
            & (centres[:, 2] < z_hi + 10.0))
    tris = tris[near]
    a, b, c = (p[tris[:, k]] for k in range(3))
    e1, e2 = b - a, c - a
    box = ((np.abs(p[:, 0]) < half_width) & (p[:, 2] > z_lo) & (p[:, 2] < z_hi) & (p[:, 1] < MOUTH_BACK_MM)
           & ((p[:, 2] < NOSTRILS_ABOVE_MM) | (p[:, 1] > 0.0)))
    candidates = np.intersect1d(np.flatnonzero(box), skin.vertex_ids)
    depth = np.zeros(p.shape[0], np.float32)
    for chunk in np.array_split(candidates, max(1, len(candidates) // 64)):
        u, w = xz_barycentric(p[chunk][:, None, [0, 2]] - a[None, :, [0, 2]], e1, e2)  # (n, F)
        y = a[:, 1] + u * e1[:, 1] + w * e2[:, 1]
        hit = ((u >= 0) & (w >= 0) & (u + w <= 1) & (y < p[chunk, 1:2] - 0.3)
               & ~(tris[None] == chunk[:, None, None]).any(-1))
        inside = hit.any(1)
        front = np.where(hit, y, np.inf).min(1)  # the front-most skin: the lips
        depth[chunk[inside]] = (p[chunk[inside], 1] - front[inside]).astype(np.float32)
    return depth


def mouth_interior(min_mm: float = 1.0) -> np.ndarray:
    """(19158,) bool: skin inside the mouth (``mouth_depth_mm`` over ``min_mm``)."""
    return mouth_depth_mm() > min_mm


def skin_vertex_colours(appearance: Appearance, regions: FaceRegions | None = None) -> np.ndarray:
    """Linear-RGB colours (19158, 3) of the skin surface: tone, lips, brows, blush, hair."""
    r = regions or face_regions()
    skin = np.asarray(appearance.skin, np.float32)
    rng = np.random.default_rng([appearance.seed, 11])
    jitter = 1.0 + 0.035 * r.noise[:, None] + 0.02 * rng.standard_normal(3).astype(np.float32)
    colour = np.broadcast_to(skin, (r.noise.size, 3)) * jitter
    red = np.array([0.75, 0.30, 0.30], np.float32)
    colour = colour * (1 - appearance.blush * 0.25 * r.cheeks[:, None]) + red * (
        appearance.blush * 0.25 * r.cheeks[:, None]
    ) * skin.mean()
    colour = colour * (1 - 0.12 * r.lids[:, None])
    # Under the eyes skin is thinner: darker, and cooler (violet) on light tones, browner on dark ones.
    light = float(skin.mean())
    under = skin * (light * np.array([0.88, 0.82, 0.90], np.float32) + (1 - light) * np.array([0.80, 0.76, 0.76], np.float32))
    colour = _mix(colour, under, 0.65 * skin_zones().under_eye)
    colour = _mix(colour, appearance.lips, r.lips)
    brow_w = np.clip(r.brows, 0, 1) * (0.85 + 0.15 * r.noise)  # the thickness is in the band (outfit.brow_weights)
    colour = _mix(colour, appearance.brows, np.clip(brow_w, 0, 1) * 0.92)
    if appearance.hair is not None:
        hair_w = _painted_hair_weight(appearance, r)
        colour = _mix(colour, appearance.hair, hair_w * (0.95 + 0.05 * r.noise))
    return srgb_to_linear(np.clip(colour, 0, 1))


# ----------------------------------------------------------------------------- skin shading

# Skin's specular reflectance at normal incidence (refractive index ~1.4 of the stratum corneum's
# oils), whatever the tone: shape on dark skin shows through these highlights, as in photographs.
SKIN_F0 = 0.028
# Perceptual roughness by zone: the oily T-zone (forehead centre, nose, chin) and moist lips are
# shinier than the cheeks; brows and painted hair are matte.
SKIN_ROUGHNESS = {"base": 0.58, "tzone": 0.43, "lips": 0.35, "brows": 0.8, "hair": 0.75}


@dataclasses.dataclass(frozen=True)
class SkinZones:
    """Per-vertex (19158,) weights in [0, 1] for shading, on the hm08 topology."""

    tzone: np.ndarray
    under_eye: np.ndarray
    occlusion: np.ndarray  # baked ambient occlusion: 1 open, lower in creases and sockets


@functools.lru_cache(maxsize=1)
def skin_zones() -> SkinZones:
    """T-zone and under-eye weights and crease occlusion on anny's neutral template (once)."""
    from humans.body_model import template_vertices

    template = np.asarray(template_vertices(), np.float64)
    p = face_frame_coordinates(template) * 1000.0
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    ax = np.abs(x)
    body = np.zeros(len(p), bool)
    body[slice(*BODY_VERTICES)] = True
    front = _smoothstep(-5.0, -20.0, y)
    forehead = _smoothstep(30.0, 12.0, ax) * _smoothstep(12.0, 25.0, z) * _smoothstep(80.0, 60.0, z)
    nose = _smoothstep(20.0, 8.0, ax) * _smoothstep(-52.0, -40.0, z) * _smoothstep(12.0, 0.0, z)
    chin = _smoothstep(24.0, 10.0, ax) * _smoothstep(-80.0, -88.0, z) * _smoothstep(-125.0, -110.0, z)
    tzone = np.clip(forehead + nose + chin, 0, 1) * front * body
    under_eye = np.exp(-(((ax - 32.0) / 13.0) ** 2 + ((z + 13.0) / 6.5) ** 2)) * front * body
    return SkinZones(tzone.astype(np.float32), under_eye.astype(np.float32), crease_occlusion(template))


def crease_occlusion(vertices: np.ndarray, strength: float = 5.0) -> np.ndarray:
    """Ambient occlusion (V,) baked from concavity: how far the surface around a vertex rises in
    front of it, at neighbourhood sizes from one ring (lid creases, lip corners) to a dozen
    (eye sockets, nostrils, nasolabial folds, under the jaw). 1 = open surface."""
    from scipy import sparse

    from humans.mesh import smooth_normals
    from humans.topology import part_topologies

    skin = part_topologies("body")["skin"]
    tris = skin.vertex_ids[skin.triangles]
    n = vertices.shape[0]
    edges = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    adj = sparse.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    adj = ((adj + adj.T) > 0).astype(np.float64)
    degree = np.asarray(adj.sum(1)).ravel()
    walk = sparse.diags(1.0 / np.maximum(degree, 1)) @ adj
    normals = smooth_normals(vertices[None].astype(np.float32), tris)[0].astype(np.float64)
    edge = np.linalg.norm(vertices[edges[:, 0]] - vertices[edges[:, 1]], axis=1)
    spacing = float(np.median(edge))
    concavity = np.zeros(n)
    smoothed = vertices.copy()
    done = 0
    for rings in (1, 3, 6, 12):
        for _ in range(rings - done):
            smoothed = walk @ smoothed
        done = rings
        lift = np.einsum("ij,ij->i", smoothed - vertices, normals) / (spacing * np.sqrt(rings))
        concavity += np.maximum(lift, 0.0)
    occlusion = np.exp(-strength * concavity)
    for _ in range(2):  # soften single-vertex speckle
        occlusion = 0.5 * occlusion + 0.5 * (walk @ occlusion)
    occlusion[degree == 0] = 1.0
    return np.clip(occlusion, 0.35, 1.0).astype(np.float32)


def skin_surface(appearance: Appearance, regions: FaceRegions | None = None) -> np.ndarray:
    """(19158, 2) float32 per-vertex (perceptual roughness, ambient occlusion) of the skin.

    The renderer's skin shader reads them (as the mesh's second texture coordinate)."""
    r = regions or face_regions()
    zones = skin_zones()
    rough = np.full(r.noise.size, SKIN_ROUGHNESS["base"], np.float32)
    rough += (SKIN_ROUGHNESS["tzone"] - SKIN_ROUGHNESS["base"]) * zones.tzone
    rough += 0.03 * r.noise  # pores: a little variation
    rough = _blend(rough, SKIN_ROUGHNESS["lips"], r.lips)
    rough = _blend(rough, SKIN_ROUGHNESS["brows"], np.clip(r.brows * 0.92, 0, 1))
    if appearance.hair is not None:
        rough = _blend(rough, SKIN_ROUGHNESS["hair"], _painted_hair_weight(appearance, r))
    return np.stack([np.clip(rough, 0.2, 1.0), zones.occlusion], 1).astype(np.float32)


def _painted_hair_weight(appearance: Appearance, r: FaceRegions) -> np.ndarray:
    """Where the short cropped hair is painted on the scalp (above the person's hairline)."""
    line = 0.055 + 0.035 * appearance.hairline
    return r.scalp * _smoothstep(line - 0.012, line + 0.008, r.scalp_height)


def _blend(value: np.ndarray, target: float, weight: np.ndarray) -> np.ndarray:
    w = np.clip(weight, 0, 1)
    return value * (1 - w) + target * w


def _look_of(spec, seeded_hair: np.ndarray, seeded_brows: np.ndarray, rng) -> dict:
    """The built-in look's fields of ``spec`` (hair style and colour, facial hair, brows, top,
    glasses, headscarf, age parameters). Colours named in the spec win over the seeded ones."""
    from humans.hair import HAIR_RGB, brow_shape_of, colour_rgb, hair_style_of
    from humans.clothes import CLOTH_RGB

    look_rng = np.random.default_rng([int(spec.seed), 17])
    hair = seeded_hair if spec.hair_colour is None else colour_rgb(spec.hair_colour, HAIR_RGB)
    # brows: the hair colour, a little darker; grey hair keeps darker brows longer
    grey = spec.hair_colour in ("grey", "white")
    brows = seeded_brows if spec.hair_colour is None else (
        0.55 * hair + 0.45 * np.array([0.2, 0.18, 0.16]) if grey else 0.8 * hair + 0.2 * np.array([0.05, 0.04, 0.03]))
    top = spec.top_colour
    top_rgb = colour_rgb(top, CLOTH_RGB) if top else np.asarray(
        list(CLOTH_RGB.values())[int(look_rng.integers(len(CLOTH_RGB)))], np.float32)
    age_folds = float(np.clip((spec.age_years - 30.0) / 50.0, 0.0, 1.0))
    return {
        "hair_style": hair_style_of(spec),
        "hair_rgb": hair, "brows_rgb": brows,
        "facial_hair": spec.facial_hair,
        "brow_shape": brow_shape_of(spec),
        "top": spec.top,
        "top_colour": tuple(float(c) for c in top_rgb),
        "glasses": spec.glasses,
        "headscarf": None if spec.headscarf is None else tuple(
            float(c) for c in colour_rgb(spec.headscarf, CLOTH_RGB)),
        "age_folds": age_folds,
    }


def _mix(colour: np.ndarray, target, weight: np.ndarray) -> np.ndarray:
    w = np.clip(weight, 0, 1)[:, None]
    return colour * (1 - w) + np.asarray(target, np.float32) * w


# ----------------------------------------------------------------------------- eyes


@functools.lru_cache(maxsize=8)
def eyeball_mesh(iris_rgb: tuple[float, float, float], sclera_rgb: tuple[float, float, float], rings: int = 24, segments: int = 32):
    """Unit-radius eyeball looking along -y (forward): vertices, triangles, linear-RGB colours.

    The iris spans 30° from the gaze axis (an 11.7 mm iris on a 24 mm eye) and the pupil 11°, with a
    dark limbal ring and radial streaks so gaze reads at 160 px.
    """
    theta = np.pi * np.linspace(0, 1, rings + 1) ** 1.5  # angle from forward (-y), dense at the iris
    phi = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    verts = np.stack([np.sin(th) * np.cos(ph), -np.cos(th), np.sin(th) * np.sin(ph)], -1).reshape(-1, 3)
    tris = []
    for i in range(rings):
        for j in range(segments):
            a, b = i * segments + j, i * segments + (j + 1) % segments
            c, d = a + segments, b + segments
            tris += [(a, c, b), (b, c, d)]
    angle = th.reshape(-1)
    iris_r, pupil_r = np.radians(30.0), np.radians(11.0)
    streaks = 0.85 + 0.15 * np.cos(ph.reshape(-1) * 13.0)
    iris = np.asarray(iris_rgb, np.float32)
    col = np.empty((verts.shape[0], 3), np.float32)
    col[:] = sclera_rgb
    in_iris = angle < iris_r
    col[in_iris] = iris * streaks[in_iris, None] * (0.7 + 0.3 * (angle[in_iris] / iris_r))[:, None]
    limbus = (angle >= iris_r * 0.92) & (angle < iris_r * 1.08)
    col[limbus] = iris * 0.35
    col[angle < pupil_r] = (0.02, 0.02, 0.02)
    return verts.astype(np.float32), np.asarray(tris, np.int32), srgb_to_linear(col)
