"""hrisim's own hair library: meshes built procedurally on each person's hm08 mesh (no asset files).

Every style is one or more :class:`AttachedMesh` parts: shells lifted off the scalp along its
normals (short, buzz, curly, afro), and parametric surfaces hanging from it (long hair curtains,
a ponytail, a bun, braids and locs). Each vertex is attached to one hm08 vertex (its *anchor*) with
a rest offset that turns with the head, so hair follows head motion and face shape frame by frame,
as MakeHuman's fitted proxies do (see :func:`pose`). Hair is drawn solid, with per-strand colour
streaks and, for curly and coily textures, bumps in the geometry, which reads as hair at 160 px.

Coordinates used to place things are the *face frame* of :func:`humans.appearance.face_frame_coordinates`
in millimetres: origin between the eyes, x to the subject's left, y backwards, z up.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from humans.mesh import kabsch_rotations
from humans.spec import HAIR_STYLES, HumanSpec

# style -> (length, texture); "-" for no hair.
STYLE_TRAITS = {
    "bald": ("none", "-"), "buzz": ("short", "straight"), "short": ("short", "straight"),
    "coily_short": ("short", "coily"), "curly": ("medium", "curly"), "afro": ("medium", "coily"),
    "long_straight": ("long", "straight"), "long_wavy": ("long", "wavy"),
    "ponytail": ("long", "straight"), "bun": ("long", "straight"), "braids": ("long", "coily"),
    "locs": ("long", "coily"),
}
# Words in MakeHuman hair proxy names -> the nearest built-in style (first match wins), so a .mhm
# that names MakeHuman hair gets a similar built-in look when the asset files are absent.
_PROXY_WORDS = (("afro", "afro"), ("dread", "locs"), ("loc", "locs"), ("braid", "braids"),
                ("ponytail", "ponytail"), ("bun", "bun"), ("curl", "curly"), ("wav", "long_wavy"),
                ("bob", "long_straight"), ("long", "long_straight"), ("short04", "buzz"),
                ("buzz", "buzz"), ("bald", "bald"), ("short", "short"))
# MakeHuman eyebrow proxies (eyebrow001..012) -> nearest brow shape.
_BROW_PROXY = {"eyebrow001": "straight", "eyebrow002": "angled", "eyebrow003": "straight",
               "eyebrow004": "soft_arch", "eyebrow005": "angled", "eyebrow006": "arched",
               "eyebrow007": "soft_arch", "eyebrow008": "soft_arch", "eyebrow009": "arched",
               "eyebrow010": "arched", "eyebrow011": "soft_arch", "eyebrow012": "angled"}

HAIR_RGB = {  # sRGB
    "black": (0.045, 0.035, 0.03), "dark_brown": (0.13, 0.085, 0.055), "brown": (0.26, 0.16, 0.09),
    "light_brown": (0.42, 0.29, 0.17), "auburn": (0.36, 0.14, 0.07), "red": (0.55, 0.22, 0.09),
    "blond": (0.66, 0.52, 0.32), "grey": (0.55, 0.54, 0.52), "white": (0.82, 0.81, 0.78),
}


def hair_style_of(spec: HumanSpec) -> str:
    """The built-in style drawn for ``spec``: ``hair_style``, else the nearest to its MakeHuman
    ``hair`` proxy name, else ``short`` (``bald`` when the spec names no hair at all... only if it
    says so: a spec without any hair field gets ``short``)."""
    if spec.hair_style is not None:
        return spec.hair_style
    if spec.hair:
        name = spec.hair.lower()
        for word, style in _PROXY_WORDS:
            if word in name:
                return style
    return "short"


def brow_shape_of(spec: HumanSpec) -> str:
    """``brow_shape``, else the nearest to the spec's MakeHuman ``eyebrows`` proxy, else seeded."""
    if spec.brow_shape is not None:
        return spec.brow_shape
    if spec.eyebrows and spec.eyebrows.lower() in _BROW_PROXY:
        return _BROW_PROXY[spec.eyebrows.lower()]
    from humans.spec import BROW_SHAPES

    return BROW_SHAPES[int(np.random.default_rng([spec.seed, 13]).integers(len(BROW_SHAPES)))]


def colour_rgb(value: str, names: dict) -> np.ndarray:
    """sRGB (3,) of a named colour or ``#rrggbb``."""
    if value.startswith("#"):
        return np.array([int(value[i:i + 2], 16) / 255.0 for i in (1, 3, 5)], np.float32)
    return np.asarray(names[value], np.float32)


# -- attached meshes -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class AttachedMesh:
    """A mesh riding on hm08: vertex i sits at ``V[anchors[i]] + R @ offsets[i]``.

    ``R`` is the head's rotation from rest (``follow="head"``) or the identity (``"body"``:
    clothes). Colours are linear RGB.
    """

    name: str
    anchors: np.ndarray  # (N,) hm08 vertex ids
    offsets: np.ndarray  # (N, 3) metres, world axes at rest
    triangles: np.ndarray  # (F, 3)
    colours: np.ndarray  # (N, 3) linear RGB
    follow: str = "head"
    roughness: float = 0.7
    double_sided: bool = False

    @property
    def n_vertices(self) -> int:
        return int(self.anchors.shape[0])

    def rest_positions(self, rest_vertices: np.ndarray) -> np.ndarray:
        return rest_vertices[self.anchors] + self.offsets


def pose(mesh: AttachedMesh, vertices: np.ndarray, head_rotation: np.ndarray) -> np.ndarray:
    """(T, N, 3) positions of ``mesh`` on posed hm08 vertices (T, V, 3)."""
    base = vertices[:, mesh.anchors]
    if mesh.follow == "body":
        return base + mesh.offsets[None]
    return base + np.einsum("tij,nj->tni", head_rotation, mesh.offsets)


@functools.lru_cache(maxsize=1)
def skull_vertices() -> np.ndarray:
    """hm08 vertices of the upper skull (> 5 cm above the eyes): they move with the head, not with
    expressions, so their rigid fit is the head's rotation whatever the rig does."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import BODY_VERTICES

    p = face_frame_coordinates(template_vertices()) * 1000.0
    idx = np.flatnonzero(p[: BODY_VERTICES[1], 2] > 50.0)
    return idx


def head_rotations(rest: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotation of the skull from rest to each frame (Kabsch fit)."""
    idx = skull_vertices()
    return kabsch_rotations(rest[idx], vertices[:, idx])


# -- geometry helpers ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class HeadGeometry:
    """A person's rest mesh, as the builders need it."""

    rest: np.ndarray  # (V, 3) world metres
    p: np.ndarray  # (V, 3) face-frame millimetres
    origin: np.ndarray  # (3,) world position of the face-frame origin
    normals: np.ndarray  # (V, 3) rest normals of the skin (zero off the skin)
    skin_triangles: np.ndarray  # (F, 3) hm08 ids of the drawn skin's triangles

    @classmethod
    def of(cls, rest: np.ndarray, variant: str = "head") -> "HeadGeometry":
        from humans.appearance import face_frame_coordinates
        from humans.mesh import smooth_normals
        from humans.topology import part_topologies

        part = part_topologies(variant)["skin"]
        tris = part.vertex_ids[part.triangles]
        normals = np.zeros_like(rest)
        normals[part.vertex_ids] = smooth_normals(rest[None, part.vertex_ids], part.triangles)[0]
        p = face_frame_coordinates(rest)
        origin = rest - p
        return cls(rest, p * 1000.0, origin[0], normals, tris)

    def world(self, p_mm: np.ndarray) -> np.ndarray:
        return self.origin + np.asarray(p_mm, np.float32) / 1000.0


def _smooth(e0, e1, x):
    t = np.clip((np.asarray(x, np.float32) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _noise3(p_mm: np.ndarray, scale_mm: float, seed: int) -> np.ndarray:
    """Smooth pseudo-random field in about [-1, 1] (sum of seeded plane waves)."""
    rng = np.random.default_rng(seed)
    dirs = rng.normal(size=(12, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    phase = rng.uniform(0, 2 * np.pi, 12)
    k = 2 * np.pi / scale_mm * rng.uniform(0.7, 1.3, 12)
    return (np.sin(p_mm @ (dirs * k[:, None]).T + phase).sum(1) / np.sqrt(6.0)).astype(np.float32)


def shell(geo: HeadGeometry, name: str, weight: np.ndarray, thickness_mm, colour_srgb,
          rng_seed: int, bumps_mm: float = 0.0, bump_scale_mm: float = 12.0, streaks: float = 0.12,
          follow: str = "head", roughness: float = 0.75, min_mm: float = 1.2,
          round_to: tuple[np.ndarray, float] | None = None, subdivide: int = 0,
          smooth_edge: int = 0, double_sided: bool = False,
          sparse: tuple[float, float] | None = None, weight_at=None) -> AttachedMesh | None:
    """The skin triangles where ``weight`` (per hm08 vertex, 0..1) is positive, lifted along the
    rest normals by ``thickness_mm`` (scalar or per vertex) scaled by a smooth edge taper.

    ``subdivide``: split every triangle in 4 that many times first (hm08's scalp is coarse: about
    400 triangles), ``smooth_edge``: that many rounds of neighbour averaging of the weight, so thick
    hair rises gradually from the hairline. ``round_to`` = (centre_mm, radius_mm): blend the lifted
    surface toward a sphere (afros). ``double_sided``: draw folds of thick, bumpy hair too.
    ``sparse`` = (lo, hi): keep each (final) triangle only where its mean weight exceeds a seeded
    threshold drawn uniformly in [lo, hi], so thin hair thins out triangle by triangle (a stippled,
    broken edge instead of a solid one: geometry standing in for alpha). ``weight_at``: the region's
    weight as a function of face-frame points (N, 3) mm, when it has one: the edge is then cut where
    it crosses its level along each triangle edge, not where the vertices' weights interpolate to it
    (hm08's chest triangles are 20 mm: interpolated, a neckline zig-zagged between their corners).
    """
    from humans.appearance import mouth_interior, srgb_to_linear

    w_all = np.where(mouth_interior()[: len(weight)], 0.0, np.asarray(weight, np.float32))  # never lines the mouth
    # every triangle the region touches; the shell's edge is cut along the weight's level line below
    tris = geo.skin_triangles[(w_all[geo.skin_triangles] > SHELL_EDGE).any(1)]
    if len(tris) == 0:
        return None
    ids, local = np.unique(tris, return_inverse=True)
    tris = local.reshape(-1, 3)
    thick_all = np.broadcast_to(np.asarray(thickness_mm, np.float32), (geo.rest.shape[0],))
    p, n, w, thick, anchors = geo.p[ids], geo.normals[ids], w_all[ids], thick_all[ids], ids
    for _ in range(subdivide):
        p, n, w, thick, anchors, tris = _split(p, n, w, thick, anchors, tris)
    p, n, w, thick, anchors, tris = _clip_to_level(p, n, w, thick, anchors, tris, SHELL_EDGE, weight_at)
    if len(tris) == 0:
        return None
    if sparse is not None:
        threshold = np.random.default_rng([rng_seed, 3]).uniform(sparse[0], sparse[1], len(tris))
        tris = tris[w[tris].mean(1) > threshold]
        if len(tris) == 0:
            return None
    for _ in range(smooth_edge):
        w = np.minimum(w, _neighbour_mean(w, tris))
    taper = _smooth(0.0, 0.6, w)
    lift = min_mm + (thick - min_mm) * taper
    if round_to is not None:  # lift further, along the normal (no sliding, so no fold-overs)
        centre, radius = round_to
        short_of = radius - np.linalg.norm(p - centre, axis=1)
        lift = np.maximum(lift, short_of * taper ** 2)
    if bumps_mm:  # curls and coils: seeded bumps on top of the shape
        lift = lift + bumps_mm * (0.5 + 0.5 * _noise3(p, bump_scale_mm, rng_seed)) * taper
    target = p + lift[:, None] * n
    offsets = (target - geo.p[anchors]) / 1000.0
    shade = 1.0 + streaks * _noise3(p * np.array([4.0, 1.0, 0.35]), 6.0, rng_seed + 1)
    colours = np.clip(np.asarray(colour_srgb, np.float32)[None] * shade[:, None], 0, 1)
    if sparse is not None:  # drop the vertices no kept triangle uses (they would be posed per frame)
        used, tris = np.unique(tris, return_inverse=True)
        tris = tris.reshape(-1, 3)
        anchors, offsets, colours = anchors[used], offsets[used], colours[used]
    return AttachedMesh(name, anchors.astype(np.int64), offsets.astype(np.float32),
                        tris.astype(np.int32), srgb_to_linear(colours),
                        follow=follow, roughness=roughness, double_sided=double_sided)


# The weight at which a shell ends: its edge follows this level line of the region's weight.
SHELL_EDGE = 0.02


def _clip_to_level(p, n, w, thick, anchors, tris, level, weight_at=None):
    """Cut triangles along the line where ``w`` crosses ``level`` (marching triangles) and keep the
    part above it. A shell made of whole mesh triangles had a saw-toothed edge (hm08's triangles are
    3-20 mm: necklines, scarves and hairlines showed their teeth at 160 px); cut, its edge follows
    the region's smooth weight. A crossing vertex is shared by the triangles of its edge and anchored
    to the edge's vertex inside the region. ``weight_at`` (points mm -> weight) places each crossing
    by bisection along its edge where it changes sides there; else the weights are interpolated."""
    above = w[tris] > level
    count = above.sum(1)
    keep = [tris[count == 3]]
    crossed = (count == 1) | (count == 2)
    cut, cut_above = tris[crossed], above[crossed]
    if len(cut) == 0:
        return p, n, w, thick, anchors, np.concatenate(keep)
    new_index: dict[tuple[int, int], int] = {}
    extra = []  # (inside vertex, outside vertex, t)

    def crossing(i: int, o: int) -> int:
        key = (min(i, o), max(i, o))
        if key not in new_index:
            new_index[key] = len(p) + len(extra)
            extra.append((i, o, (w[i] - level) / (w[i] - w[o])))
        return new_index[key]

    pieces = []
    for tri, a in zip(cut, cut_above):
        corner = a.sum() == 1  # one vertex inside (else one outside)
        odd = int(np.flatnonzero(a if corner else ~a)[0])
        v0, v1, v2 = (int(tri[(odd + k) % 3]) for k in range(3))  # same winding, odd vertex first
        if corner:  # v0 inside: the corner triangle
            pieces.append((v0, crossing(v0, v1), crossing(v0, v2)))
        else:  # v0 outside: the quad v1, v2 and the two crossings
            c01, c02 = crossing(v1, v0), crossing(v2, v0)
            pieces += [(c01, v1, v2), (c01, v2, c02)]
    i, o, t = (np.asarray(col) for col in zip(*extra))
    if weight_at is not None:
        t = _bisect_level(weight_at, p[i], p[o], level, t)
    t = t.astype(np.float32)[:, None]
    nm = n[i] * (1 - t) + n[o] * t
    nm /= np.maximum(np.linalg.norm(nm, axis=1, keepdims=True), 1e-9)
    p = np.concatenate([p, p[i] * (1 - t) + p[o] * t])
    n = np.concatenate([n, nm])
    w = np.concatenate([w, np.full(len(i), level, w.dtype)])
    thick = np.concatenate([thick, thick[i] * (1 - t[:, 0]) + thick[o] * t[:, 0]])
    anchors = np.concatenate([anchors, anchors[i]])
    tris = np.concatenate(keep + [np.asarray(pieces, tris.dtype).reshape(-1, 3)])
    used, tris = np.unique(tris, return_inverse=True)  # drop the outside vertices
    return p[used], n[used], w[used], thick[used], anchors[used], tris.reshape(-1, 3)


def _bisect_level(weight_at, inner: np.ndarray, outer: np.ndarray, level: float, t: np.ndarray,
                  steps: int = 12) -> np.ndarray:
    """Where ``weight_at`` falls to ``level`` between points ``inner`` (above it) and ``outer``, as a
    fraction of the way; ``t`` (the interpolated guess) where the function does not change sides
    along the edge (a weight zeroed by a mask, such as the mouth's, that the function does not know)."""
    lo, hi = np.zeros(len(t)), np.ones(len(t))
    changes = (weight_at(inner) > level) & (weight_at(outer) <= level)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        above = weight_at(inner + mid[:, None] * (outer - inner)) > level
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.where(changes, 0.5 * (lo + hi), t)


def _split(p, n, w, thick, anchors, tris):
    """One 1-to-4 subdivision; a new (edge midpoint) vertex is anchored to the edge's first vertex."""
    edges = np.sort(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), axis=1)
    unique, inverse = np.unique(edges, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = len(p) + np.arange(len(unique))
    a, b = unique[:, 0], unique[:, 1]
    nm = n[a] + n[b]
    nm /= np.maximum(np.linalg.norm(nm, axis=1, keepdims=True), 1e-9)
    p2 = np.concatenate([p, 0.5 * (p[a] + p[b])])
    n2 = np.concatenate([n, nm])
    w2 = np.concatenate([w, 0.5 * (w[a] + w[b])])
    t2 = np.concatenate([thick, 0.5 * (thick[a] + thick[b])])
    an2 = np.concatenate([anchors, anchors[a]])
    f = len(tris)
    e01, e12, e20 = m[inverse[:f]], m[inverse[f:2 * f]], m[inverse[2 * f:]]
    v0, v1, v2 = tris[:, 0], tris[:, 1], tris[:, 2]
    new = np.concatenate([np.stack([v0, e01, e20], 1), np.stack([e01, v1, e12], 1),
                          np.stack([e20, e12, v2], 1), np.stack([e01, e12, e20], 1)])
    return p2, n2, w2, t2, an2, new


def _neighbour_mean(values: np.ndarray, tris: np.ndarray) -> np.ndarray:
    total = np.zeros_like(values)
    count = np.zeros_like(values)
    for i, j in ((0, 1), (1, 2), (2, 0), (1, 0), (2, 1), (0, 2)):
        np.add.at(total, tris[:, i], values[tris[:, j]])
        np.add.at(count, tris[:, i], 1.0)
    return total / np.maximum(count, 1.0)


def _grid_triangles(rows: int, cols: int, closed: bool) -> np.ndarray:
    """Triangles of a (rows, cols) vertex grid; ``closed`` joins the last column to the first."""
    tris = []
    cmax = cols if closed else cols - 1
    for i in range(rows - 1):
        for j in range(cmax):
            a, b = i * cols + j, i * cols + (j + 1) % cols
            c, d = a + cols, b + cols
            tris += [(a, b, c), (b, d, c)]
    return np.asarray(tris, np.int32).reshape(-1, 3)


def surface(geo: HeadGeometry, name: str, points_mm: np.ndarray, triangles: np.ndarray,
            anchor_pool: np.ndarray, colour_srgb, shade: np.ndarray | None = None,
            anchors: np.ndarray | None = None, roughness: float = 0.75,
            double_sided: bool = True) -> AttachedMesh:
    """A free surface (points in face-frame mm) attached to the nearest vertex of ``anchor_pool``
    (or to the given ``anchors``)."""
    from humans.appearance import srgb_to_linear
    from scipy.spatial import cKDTree

    pts = np.asarray(points_mm, np.float32).reshape(-1, 3)
    if anchors is None:
        _, nearest = cKDTree(geo.p[anchor_pool]).query(pts)
        anchors = anchor_pool[nearest]
    # re-anchor on the nearest upper-skull vertex: those move rigidly with the head, whereas scalp
    # vertices near the nape are partly skinned to the neck and would bend long hair
    skull = skull_vertices()
    anchors = skull[cKDTree(geo.p[skull]).query(geo.p[np.asarray(anchors)])[1]]
    offsets = (pts - geo.p[anchors]) / 1000.0
    shade = np.ones(len(pts), np.float32) if shade is None else np.asarray(shade, np.float32).reshape(-1)
    col = np.asarray(colour_srgb, np.float32)[None] * shade[:, None]
    return AttachedMesh(name, np.asarray(anchors, np.int64), offsets.astype(np.float32),
                        np.asarray(triangles, np.int32), srgb_to_linear(np.clip(col, 0, 1)),
                        roughness=roughness, double_sided=double_sided)


def tube(path_mm: np.ndarray, radius_mm: np.ndarray, sides: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """A capped-free tube along ``path_mm`` (K, 3): points (K*sides, 3) and triangles."""
    path = np.asarray(path_mm, np.float32)
    radius = np.broadcast_to(np.asarray(radius_mm, np.float32), (len(path),))
    tangent = np.gradient(path, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-6)
    ref = np.where(np.abs(tangent[:, [0]]) < 0.9, np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]]))
    u = np.cross(tangent, ref)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.cross(tangent, u)
    angle = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    ring = np.cos(angle)[None, :, None] * u[:, None] + np.sin(angle)[None, :, None] * v[:, None]
    points = path[:, None] + radius[:, None, None] * ring
    return points.reshape(-1, 3), _grid_triangles(len(path), sides, closed=True)


# -- the scalp ---------------------------------------------------------------------------------
def scalp_weight(geo: HeadGeometry, front_mm: float, nape_mm: float = -55.0,
                 sideburn_mm: float = 5.0) -> np.ndarray:
    """(V,) 0..1: where hair grows, for a hairline ``front_mm`` above the eyes at the forehead,
    down to ``sideburn_mm`` in front of the ears and to ``nape_mm`` at the back of the head."""
    from humans.topology import BODY_VERTICES

    x, y, z = geo.p[:, 0], geo.p[:, 1], geo.p[:, 2]
    ax = np.abs(x)
    # hairline height along the head, front (y < 0) to back; low at the sides only (|x| > 45)
    side = _smooth(40.0, 60.0, ax)
    line = np.interp(y, [-200, 5, 45, 62, 78, 108, 130, 300],
                     [front_mm, front_mm, 32, sideburn_mm, 30, 30, nape_mm, nape_mm])
    line = np.where(y < 45, front_mm * (1 - side) + line * side, line * side + max(front_mm, 30) * (1 - side))
    line = np.where(y > 108, np.interp(y, [108, 130], [30, nape_mm]), line)
    w = _smooth(-1.0, 9.0, z - line)
    ear = (ax > 55) & (y > 50) & (y < 118) & (z < 30) & (z > -60)
    w[ear] = 0.0
    w[BODY_VERTICES[1]:] = 0.0
    w[z < -110] = 0.0  # never on the neck and below
    return w.astype(np.float32)


def _scalp_pool(geo: HeadGeometry, w: np.ndarray) -> np.ndarray:
    return np.flatnonzero(w > 0.5)


def _head_extent(geo: HeadGeometry, w: np.ndarray):
    """Centre (mm) and mean radius of the haired scalp, for placing hanging parts."""
    pts = geo.p[w > 0.5]
    centre = np.array([0.0, float(pts[:, 1].mean()), float(np.percentile(pts[:, 2], 20))], np.float32)
    return centre, pts


def curtain(geo: HeadGeometry, name: str, w: np.ndarray, colour, length_mm: float, seed: int,
            wave_mm: float = 0.0, half_angle_deg: float = 118.0, top_mm: float = 45.0,
            flare: float = 0.18) -> AttachedMesh:
    """Long hair: a sheet around the sides and back of the head, from ``top_mm`` above the eyes
    down to ``length_mm`` below them, hugging the skull and falling straight below it."""
    from scipy.spatial import cKDTree

    centre, pts = _head_extent(geo, w)
    angles = np.radians(np.linspace(-half_angle_deg, half_angle_deg, 33))  # 0 = back of the head
    heights = np.linspace(top_mm, -length_mm, 22)
    # skull radius per direction at each height (max over the head vertices in that sector)
    body = geo.p[: w.shape[0]]
    head = body[(body[:, 2] > -40)]
    ang = np.arctan2(head[:, 0], head[:, 1] - centre[1])
    rad = np.hypot(head[:, 0], head[:, 1] - centre[1])
    sector = np.clip(np.digitize(ang, np.linspace(-np.pi, np.pi, 73)) - 1, 0, 71)
    rmax = np.zeros(72, np.float32)
    np.maximum.at(rmax, sector, rad)
    rng = np.random.default_rng(seed)
    grid = []
    for h in heights:
        row = []
        for a in angles:
            s = int(np.clip(np.digitize(a, np.linspace(-np.pi, np.pi, 73)) - 1, 0, 71))
            r = max(rmax[max(s - 1, 0):s + 2].max(), 60.0) + 9.0
            below = max(0.0, -40.0 - h)
            r = r + flare * below * (0.6 + 0.4 * abs(np.sin(a)))
            if wave_mm:
                r += wave_mm * np.sin(h / 22.0 + 3 * a + rng.uniform(0, 0.2)) * _smooth(30, -20, h)
            row.append((r * np.sin(a), centre[1] + r * np.cos(a), h))
        grid.append(row)
    grid = np.asarray(grid, np.float32)  # (H, A, 3)
    # tuck the top rows under the scalp shell: pull them to the skull surface
    top_rows = 3
    tree = cKDTree(geo.p[_scalp_pool(geo, w)])
    for i in range(top_rows):
        d, k = tree.query(grid[i])
        surf = geo.p[_scalp_pool(geo, w)][k]
        grid[i] = surf + (grid[i] - surf) * (0.2 + 0.25 * i)
    tris = _grid_triangles(len(heights), len(angles), closed=False)
    strand = 1.0 + 0.14 * np.sin(np.arange(len(angles)) * 2.7 + rng.uniform(0, 6))[None, :] \
        + 0.06 * rng.standard_normal((len(heights), len(angles)))
    return surface(geo, name, grid, tris, _scalp_pool(geo, w), colour, shade=strand)


def _strand_roots(geo: HeadGeometry, w: np.ndarray, count: int, rng) -> np.ndarray:
    """``count`` scalp vertex ids spread over the back and sides (farthest-point sampling)."""
    # behind the temples (y > 35 mm), so strands frame the face from the sides and back and do not
    # hang across the cheeks when the head is seen from above or below
    pool = np.flatnonzero((w > 0.8) & (geo.p[:, 1] > 35.0) & (geo.p[:, 2] > -20.0))
    pts = geo.p[pool]
    chosen = [int(rng.integers(len(pool)))]
    dist = np.linalg.norm(pts - pts[chosen[0]], axis=1)
    for _ in range(count - 1):
        chosen.append(int(np.argmax(dist)))
        dist = np.minimum(dist, np.linalg.norm(pts - pts[chosen[-1]], axis=1))
    return pool[chosen]


def hanging_strands(geo: HeadGeometry, name: str, w: np.ndarray, colour, seed: int, count: int,
                    length_mm: float, radius_mm: float, twist: bool) -> AttachedMesh:
    """Braids or locs: ``count`` tubes from scalp roots, falling outward and down."""
    rng = np.random.default_rng(seed)
    roots = _strand_roots(geo, w, count, rng)
    centre, _ = _head_extent(geo, w)
    all_pts, all_tris, anchors, shades = [], [], [], []
    k = 14
    for n, root in enumerate(roots):
        start = geo.p[root] + geo.normals[root] * 4.0
        out = start - np.array([0.0, centre[1], centre[2]])
        out[2] = 0.0
        out /= max(np.linalg.norm(out), 1e-6)
        t = np.linspace(0.0, 1.0, k)[:, None]
        drop = length_mm * rng.uniform(0.8, 1.1)
        # leave the scalp along the outward direction, then fall
        path = start + out * (18.0 * np.sqrt(t) + 10.0 * t) + np.array([0, 0, -1.0]) * drop * t ** 1.3
        radius = radius_mm * (1.0 - 0.25 * t[:, 0])
        if twist:  # braids: bead-like segments
            radius = radius * (1.0 + 0.22 * np.abs(np.sin(t[:, 0] * drop / 6.0)))
        pts, tris = tube(path, radius, sides=6)
        all_tris.append(tris + sum(len(p) for p in all_pts))
        all_pts.append(pts)
        anchors.append(np.full(len(pts), root))
        shades.append(np.full(len(pts), rng.uniform(0.8, 1.15)))
    return surface(geo, name, np.concatenate(all_pts), np.concatenate(all_tris), roots,
                   colour, shade=np.concatenate(shades), anchors=np.concatenate(anchors),
                   double_sided=False)


def blob(geo: HeadGeometry, name: str, w: np.ndarray, colour, centre_mm, radii_mm,
         seed: int, anchor_near=None) -> AttachedMesh:
    """An ellipsoid of hair (a bun, a ponytail's knot), attached to the nearest scalp vertex."""
    rings, segs = 10, 16
    th = np.linspace(0.0, np.pi, rings)
    ph = np.linspace(0, 2 * np.pi, segs, endpoint=False)
    tt, pp = np.meshgrid(th, ph, indexing="ij")
    unit = np.stack([np.sin(tt) * np.cos(pp), np.sin(tt) * np.sin(pp), np.cos(tt)], -1).reshape(-1, 3)
    pts = np.asarray(centre_mm, np.float32) + unit * np.asarray(radii_mm, np.float32)
    tris = _grid_triangles(rings, segs, closed=True)
    pool = _scalp_pool(geo, w)
    from scipy.spatial import cKDTree

    anchor = pool[cKDTree(geo.p[pool]).query(np.asarray(anchor_near or centre_mm))[1]]
    rng = np.random.default_rng(seed)
    shade = 1.0 + 0.12 * np.sin(pp.reshape(-1) * 5 + tt.reshape(-1) * 9) + 0.04 * rng.standard_normal(len(pts))
    return surface(geo, name, pts, tris, pool, colour, shade=shade,
                   anchors=np.full(len(pts), anchor), double_sided=False)


# -- the library -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class HairLook:
    """What the built-in hair draws: meshes, plus the scalp paint the skin shader should apply."""

    meshes: tuple[AttachedMesh, ...]
    scalp_paint: np.ndarray | None  # (V,) 0..1 weight of hair colour painted on the skin
    colour: tuple[float, float, float]  # sRGB


# Curled and coiled hair, and facial hair, scatter light in every direction: no broad sheen. With the
# shells' 0.6-0.75 a beard or an afro showed a grey highlight across it like a plastic cap.
MATTE_HAIR_ROUGHNESS = 0.92

# Curl bumps: a curl's size at 160 px, no finer than twice the subdivided scalp's vertex spacing
# (about 6 mm; finer noise aliases into facets and spikes), and low enough that an afro or curly
# head keeps the rounded, even outline it has in photographs.
def build_hair(style: str, geo: HeadGeometry, colour_srgb, seed: int, hairline: float = 0.2,
               long_mm: float = 200.0) -> HairLook:
    """The meshes of a built-in ``style`` on the person's rest geometry; ``long_mm``: how far long
    straight or wavy hair falls below the eyes (200 mm: past the shoulders; 140 mm: to the neck,
    as men's long hair is usually cut)."""
    if style not in HAIR_STYLES:
        raise ValueError(f"unknown hair style {style!r}: expected one of {', '.join(HAIR_STYLES)}")
    colour = tuple(float(c) for c in colour_srgb)
    front = 58.0 + 30.0 * hairline
    if style == "bald":
        return HairLook((), None, colour)
    w = scalp_weight(geo, front)
    paint = w
    meshes: list[AttachedMesh | None] = []
    if style == "buzz":
        return HairLook((), w * 0.85, colour)
    if style == "short":
        thick = 7.0 + 7.0 * _smooth(20.0, 90.0, geo.p[:, 2])
        meshes.append(shell(geo, "hair", w, thick, colour, seed, subdivide=1, smooth_edge=1))
    elif style == "coily_short":
        meshes.append(shell(geo, "hair", w, 9.0, colour, seed, bumps_mm=3.0, bump_scale_mm=10.0,
                            streaks=0.18, subdivide=1, smooth_edge=2, double_sided=True,
                            roughness=MATTE_HAIR_ROUGHNESS))
    elif style == "curly":
        wc = scalp_weight(geo, front - 4.0, nape_mm=-70.0, sideburn_mm=-10.0)
        paint = wc
        thick = 16.0 + 14.0 * _smooth(-40.0, 60.0, geo.p[:, 2])
        meshes.append(shell(geo, "hair", wc, thick, colour, seed, bumps_mm=6.0,
                            bump_scale_mm=14.0, streaks=0.2, subdivide=1, smooth_edge=3, double_sided=True,
                            roughness=MATTE_HAIR_ROUGHNESS))
    elif style == "afro":
        wa = scalp_weight(geo, front - 3.0, nape_mm=-60.0, sideburn_mm=0.0)
        paint = wa
        centre = np.array([0.0, float(geo.p[wa > 0.5, 1].mean()) + 20.0, 45.0], np.float32)
        meshes.append(shell(geo, "hair", wa, 24.0, colour, seed, bumps_mm=6.0, bump_scale_mm=12.0,
                            streaks=0.22, round_to=(centre, 122.0), subdivide=1, smooth_edge=4, double_sided=True,
                            roughness=MATTE_HAIR_ROUGHNESS))
    elif style in ("long_straight", "long_wavy"):
        wavy = style == "long_wavy"
        meshes.append(shell(geo, "hair", w, 8.0, colour, seed, bumps_mm=3.0 if wavy else 0.0,
                            bump_scale_mm=20.0, subdivide=1, smooth_edge=1))
        meshes.append(curtain(geo, "hair_long", w, colour, length_mm=long_mm, seed=seed,
                              wave_mm=7.0 if wavy else 0.0))
    elif style == "ponytail":
        # a high ponytail: tied at the back of the crown, the tail rising before it falls, so
        # that it shows above the head from the front (a low one is hidden behind the head)
        meshes.append(shell(geo, "hair", w, 5.0, colour, seed, streaks=0.18, subdivide=1))
        scalp = geo.p[w > 0.5]
        top_z = float(scalp[:, 2].max())
        crown = scalp[scalp[:, 2] > top_z - 30.0]
        knot = np.array([0.0, float(crown[:, 1].max()) + 6.0, top_z - 14.0], np.float32)
        meshes.append(blob(geo, "hair_knot", w, colour, knot, (17.0, 15.0, 17.0), seed))
        t = np.linspace(0, 1, 14)[:, None]
        path = (knot + np.array([0.0, 30.0, 0.0]) * np.sqrt(t) + np.array([0.0, 0.0, 55.0]) * np.sin(np.pi * np.sqrt(t))
                + np.array([0.0, 12.0, -225.0]) * t ** 2.0)
        pts, tris = tube(path, 16.0 * (1.0 - 0.55 * t[:, 0]) + 3.0, sides=10)
        anchor = blob(geo, "_", w, colour, knot, (1, 1, 1), seed).anchors[0]
        rng = np.random.default_rng(seed)
        shade = 1.0 + 0.15 * np.sin(np.arange(len(pts)) % 10 * 2.1) + 0.03 * rng.standard_normal(len(pts))
        meshes.append(surface(geo, "hair_tail", pts, tris, np.array([anchor]), colour, shade=shade,
                              anchors=np.full(len(pts), anchor), double_sided=False))
    elif style == "bun":
        # a top knot on the crown, a little back: visible above the head from the front
        meshes.append(shell(geo, "hair", w, 5.0, colour, seed, streaks=0.18, subdivide=1))
        top = geo.p[w > 0.5]
        bun = np.array([0.0, float(np.percentile(top[:, 1], 60)), float(top[:, 2].max()) + 12.0],
                       np.float32)
        meshes.append(blob(geo, "hair_bun", w, colour, bun, (30.0, 28.0, 24.0), seed))
    elif style in ("braids", "locs"):
        meshes.append(shell(geo, "hair", w, 6.0, colour, seed, bumps_mm=2.0, bump_scale_mm=6.0,
                            streaks=0.25, subdivide=1))
        meshes.append(hanging_strands(geo, "hair_strands", w, colour, seed,
                                      count=26 if style == "braids" else 30,
                                      length_mm=190.0 if style == "braids" else 160.0,
                                      radius_mm=5.0 if style == "braids" else 6.0,
                                      twist=style == "braids"))
    return HairLook(tuple(m for m in meshes if m is not None), paint, colour)


# -- facial hair -------------------------------------------------------------------------------
# How facial hair is drawn (after photographs of FACS-neutral faces with stubble, moustaches,
# goatees and beards): hair grows at a density that rises over several millimetres from bare skin,
# so an edge is never a line; the skin shows through where the density is low; the moustache sits
# on the upper lip between the nose and the vermilion border and follows the lip down to the mouth
# corners, the chin hair starts under the lower lip, and nothing covers the red of the lips or the
# mouth opening. Drawn as (1) paint of the hair colour on the skin at a mottled coverage below 1
# (stubble is this alone) and (2) for longer hair a thin shell whose small triangles are kept with
# a probability equal to the local density: at 160 px a broken, stippled edge, as hair reads.
FACIAL_HAIR_SHELL_MM = {"moustache": 2.2, "goatee": 3.0, "beard": 5.5}  # thickness where dense
FACIAL_HAIR_PAINT = {"stubble": 0.5, "moustache": 0.8, "goatee": 0.8, "beard": 0.8}  # max coverage


def facial_hair_density(geo: HeadGeometry, kind: str, lips: np.ndarray) -> np.ndarray:
    """(V,) 0..1 hair density of ``kind`` (stubble, moustache, goatee, beard) on the person's mesh,
    zero on and just around the lips (``lips``: the painted vermilion weight of each vertex) and
    inside the mouth."""
    from humans.topology import BODY_VERTICES

    x, y, z = geo.p[:, 0], geo.p[:, 1], geo.p[:, 2]
    ax = np.abs(x)
    body = np.arange(geo.p.shape[0]) < BODY_VERTICES[1]
    # Upper lip: from under the nostrils (z about -46 mm) down to the vermilion; the ends follow the
    # lip line down past the mouth corners (|x| 24..30 mm), a little sparser on the philtrum.
    corner = _smooth(16.0, 27.0, ax)
    top = -47.0 - 2.0 * _smooth(8.0, 18.0, ax) - 10.0 * corner  # lower toward the corners
    bottom = -66.0 - 8.0 * corner  # the vermilion mask below cuts the lip itself out
    moustache = (_smooth(top + 1.0, top - 3.0, z) * _smooth(bottom - 3.0, bottom + 1.0, z)
                 * _smooth(31.0, 26.0, ax) * (y < 0) * (1.0 - 0.15 * _smooth(6.0, 0.0, ax)))
    # Chin: under the lower lip (a soul patch narrow at the top) over the chin to under it.
    chin_half = 8.0 + 14.0 * _smooth(-82.0, -96.0, z)
    chin = (_smooth(-78.0, -84.0, z) * _smooth(-124.0, -114.0, z) * _smooth(chin_half + 3.0, chin_half - 2.0, ax)
            * (y < 25))
    # joins from the moustache's ends down beside the mouth to the chin (a circle beard)
    join = _smooth(-62.0, -68.0, z) * _smooth(-92.0, -84.0, z) * np.exp(-((ax - 27.0) / 4.0) ** 2) * (y < 0)
    if kind == "moustache":
        w = moustache
    elif kind == "goatee":
        w = np.maximum(np.maximum(moustache, chin), join)
    else:  # stubble and beard: cheeks below a line from the sideburn to the mouth corner, jaw,
        # chin and under the chin to the neck
        cheek_top = np.interp(ax, [0, 26, 34, 48, 60, 72], [-48.0, -58.0, -56.0, -40.0, -22.0, -5.0])
        w = _smooth(2.0, -14.0, z - cheek_top) * _smooth(-150.0, -132.0, z)
        w = w * _smooth(78.0, 62.0, y) * (1 - _smooth(64.0, 72.0, ax) * (y > 45))  # not behind the ears
        w = w * (1.0 - 0.35 * _smooth(-112.0, -135.0, z))  # thinner down the neck
        w = np.maximum(w, moustache)
    from humans.appearance import mouth_interior

    no_lips = (1.0 - _smooth(0.02, 0.25, lips)) * ~mouth_interior()[: len(w)]
    return (np.clip(w, 0.0, 1.0) * no_lips * body).astype(np.float32)


def facial_hair_weight(geo: HeadGeometry, kind: str, lips: np.ndarray) -> np.ndarray:
    """Alias of :func:`facial_hair_density` (the name older code uses)."""
    return facial_hair_density(geo, kind, lips)


def build_facial_hair(kind: str, geo: HeadGeometry, colour_srgb, seed: int,
                      lips: np.ndarray, shadow: float = 0.0) -> HairLook:
    """Stubble is paint only; a moustache, goatee or beard is paint plus a sparse-edged shell
    (see the notes above :data:`FACIAL_HAIR_SHELL_MM`). Colour: ``colour_srgb``, the person's hair.
    ``shadow`` (0..1): with ``kind`` none, the beard area of a shaven face is tinted that much by
    the hair left under the skin (a man's "five o'clock shadow"; 0 draws nothing)."""
    if kind == "none" and shadow <= 0:
        return HairLook((), None, tuple(colour_srgb))
    density = facial_hair_density(geo, "stubble" if kind == "none" else kind, lips)
    rng = np.random.default_rng([seed, 31])
    # mottling: clumps a few mm across and single-vertex speckle, so coverage is never uniform
    mottle = np.clip(0.5 + 0.5 * _noise3(geo.p, 5.0, seed + 7), 0.0, 1.0)
    speckle = rng.uniform(0.0, 1.0, density.shape[0]).astype(np.float32)
    strength = shadow if kind == "none" else FACIAL_HAIR_PAINT[kind]
    coverage = strength * density * (0.7 + 0.2 * mottle + 0.1 * speckle)
    if kind in ("stubble", "none"):
        return HairLook((), np.clip(coverage, 0, 1).astype(np.float32), tuple(colour_srgb))
    thick = FACIAL_HAIR_SHELL_MM[kind] * density ** 0.7
    mesh = shell(geo, "facial_hair", density, thick, colour_srgb, seed + 5, bumps_mm=0.3,
                 bump_scale_mm=4.0, streaks=0.18, min_mm=0.3, subdivide=1, roughness=MATTE_HAIR_ROUGHNESS,
                 sparse=(0.15, 0.85))
    return HairLook((mesh,) if mesh is not None else (), np.clip(coverage, 0, 1).astype(np.float32),
                    tuple(colour_srgb))
