"""Face details the rasteriser cannot make by itself: a dark mouth interior, shaded teeth and tongue.

pyrender draws no shadows inside the mouth, so an opened jaw showed the mouth's inner skin lit like
the cheeks (pink-red) instead of the dark cavity every photograph shows. The light a mouth interior
receives falls off with depth behind the lips; here that is baked into the vertex colours of the
hm08 parts once, as a factor per vertex (an ambient-occlusion term), found on the neutral template:

* skin: a vertex is inside the mouth when, seen from the front with the lips closed, other skin
  lies in front of it (the lips); its colour is scaled down with its depth behind that skin;
* teeth: drawn per pixel (``teeth_texcoords``, ``teeth_maps``): separate crowns, embrasures and
  gums, the back teeth darkening into the cheeks' shade; behind closed lips all of them are in
  shadow (``TeethShade``, per frame);
* tongue: shaded like the cavity, a little brighter at its tip.

Vertex identity carries the factors to every person and frame (the cavity stays the cavity as the
jaw opens). Built-in look only: a MakeHuman skin texture has its own colours.
"""
from __future__ import annotations

import functools

import numpy as np

from humans.appearance import xz_barycentric
from humans.mesh import smooth_normals
from humans.topology import BODY_VERTICES, TEETH_VERTICES, TONGUE_VERTICES

LIPS_BOX_MM = (30.0, -100.0, -45.0)  # |x| limit, z range (face frame, mm; the slit is at z -67.5)
CAVITY_FLOOR = 0.12  # the deepest cavity keeps 12 % of its lit colour
TONGUE_TIP, TONGUE_FLOOR = 0.28, 0.15  # the tongue lies in the cavity's shade, its tip a little lit
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

    from humans.appearance import face_frame_coordinates, mouth_depth_mm
    from humans.body_model import template_vertices

    p = face_frame_coordinates(template_vertices()).astype(np.float64) * 1000.0  # mm, y back
    n = len(p)
    factor = np.ones(n, np.float32)
    ids = np.arange(n)
    body = (ids >= BODY_VERTICES[0]) & (ids < BODY_VERTICES[1])
    half_width, z_lo, z_hi = LIPS_BOX_MM
    box = (np.abs(p[:, 0]) < half_width) & (p[:, 2] > z_lo) & (p[:, 2] < z_hi) & (p[:, 1] < 40.0)
    skin = np.flatnonzero(body & box)
    # the front-most skin vertex within 2 mm of each (x, z): the lips' rims at the slit lie behind
    # the other lip's, though a forward ray from them leaves through the slit
    tree = cKDTree(p[skin][:, [0, 2]])
    neighbours = tree.query_ball_point(p[skin][:, [0, 2]], r=2.0)
    front = np.array([p[skin[nb], 1].min() for nb in neighbours])
    rims = p[skin, 1] - front
    # the inner faces of the lips face each other, not the camera: shade them from the lips' edge on
    facing = -_template_normals()[skin, 1]  # 1 = toward the camera (the face frame's y is back)
    inner = _smoothstep(0.5, 3.0, rims) * _smoothstep(0.6, 0.2, facing)
    factor[skin] = 1.0 - (1.0 - CAVITY_FLOOR) * np.maximum(_smoothstep(1.5, 7.0, rims), 0.8 * inner)
    # the cavity behind the lips, which no lip vertex stands right in front of (its back wall was lit)
    depth = mouth_depth_mm()
    cavity = np.flatnonzero(depth > 0)
    factor[cavity] = np.minimum(factor[cavity], 1.0 - (1.0 - CAVITY_FLOOR) * _smoothstep(1.5, 7.0, depth[cavity]))
    lip_front = float(np.median(front))
    factor[slice(*TEETH_VERTICES)] = 1.0  # the teeth's own maps shade them (teeth_maps)
    tongue = slice(*TONGUE_VERTICES)
    factor[tongue] = TONGUE_TIP - (TONGUE_TIP - TONGUE_FLOOR) * _smoothstep(4.0, 25.0, p[tongue, 1] - lip_front)
    return factor


# Teeth behind closed lips are in the lips' shadow: no light reaches them through a seam of a
# millimetre, so a closed mouth shows a dark line, not the white tooth tips (and their specular
# highlights) the static shading above let through wherever the lips of a face do not quite meet:
# most neutral faces showed them. The light that enters a mouth grows with its opening, so each
# frame the teeth are lit by how much of their front is uncovered: points spread over every tooth
# triangle are tested, seen from the front of the head, against the skin triangles of the mouth
# that face the camera and lie in front of them. (The teeth mesh is too coarse to shade per vertex:
# its vertices sit at the gum line and the biting edge, under the lips even when a tooth shows.)
TEETH_SHUT = 0.2  # the light teeth keep behind closed lips
TEETH_SHOWN_MM2 = (40.0, 110.0)  # uncovered tooth area (mm², seen from the front) where the teeth begin to
#                                 be lit / are fully lit (closed lips leave slivers of up to ~35 mm²)
# A frame that shows less tooth than where the teeth begin to be lit shows no tongue either: neither
# is drawn (a shut mouth's teeth and tongue are hidden; llvmpipe spends ~1.3 ms a view on each draw)
MOUTH_SHUT_MM2 = TEETH_SHOWN_MM2[0]
_SAMPLES = np.array([(1 / 6, 1 / 6), (2 / 3, 1 / 6), (1 / 6, 2 / 3)])  # points spread over a triangle


class TeethShade:
    """Per-frame light on the teeth (hm08 ``teeth_ids``, triangles ``teeth_triangles`` indexing them)
    from the lips in front of them. ``skin_ids`` and ``skin_triangles``: the skin part."""

    def __init__(self, teeth_ids: np.ndarray, teeth_triangles: np.ndarray, skin_ids: np.ndarray,
                 skin_triangles: np.ndarray):
        from humans.appearance import face_frame_coordinates
        from humans.body_model import template_vertices

        p = face_frame_coordinates(np.asarray(template_vertices())) * 1000.0
        self.n_teeth = len(teeth_ids)
        teeth = np.asarray(teeth_ids)[np.asarray(teeth_triangles)]
        skin = np.asarray(skin_ids)[np.asarray(skin_triangles)]  # (F, 3) hm08 ids
        lo, hi = p[teeth_ids].min(0) - 4.0, p[teeth_ids].max(0) + 4.0
        c = p[skin].mean(1)
        near = ((c[:, 0] > lo[0]) & (c[:, 0] < hi[0]) & (c[:, 2] > lo[2]) & (c[:, 2] < hi[2])
                & (c[:, 1] < hi[1]))  # skin that can lie between a tooth and the camera
        self._used = np.unique(np.concatenate([teeth.ravel(), skin[near].ravel()]))
        self._teeth = np.searchsorted(self._used, teeth)
        self._skin = np.searchsorted(self._used, skin[near])

    def visible_area(self, vertices: np.ndarray, head_rotation: np.ndarray) -> np.ndarray:
        """(T,) mm² of tooth surface uncovered, seen from the front of the head, for whole-body
        ``vertices`` (T, 19158, 3) m and the head's rotation (T, 3, 3) from rest."""
        v = np.einsum("tvi,tij->tvj", np.asarray(vertices, np.float64)[:, self._used],
                      np.asarray(head_rotation, np.float64)) * 1000.0  # head frame, mm: y back
        out = np.zeros(len(v))
        for f, frame in enumerate(v):
            if f and np.array_equal(frame, v[f - 1]):  # a held pose: same opening
                out[f] = out[f - 1]
                continue
            ta, tb, tc = (frame[self._teeth[:, k]] for k in range(3))
            normal = np.cross(tb - ta, tc - ta)
            front = normal[:, 1] < 0.0  # tooth triangles facing the camera (y is back)
            area = 0.5 * np.abs(normal[front, 1])  # their area seen from the front
            points = (ta[front, None] + _SAMPLES[None, :, :1] * (tb - ta)[front, None]
                      + _SAMPLES[None, :, 1:] * (tc - ta)[front, None]).reshape(-1, 3)
            a, b, c = (frame[self._skin[:, k]] for k in range(3))
            facing = np.cross(b - a, c - a)[:, 1] < 0.0  # a lip's inner side, turned to the teeth, is culled
            a, b, c = a[facing], b[facing], c[facing]
            xs, zs = np.stack([a[:, 0], b[:, 0], c[:, 0]]), np.stack([a[:, 2], b[:, 2], c[:, 2]])
            owner, cand = np.nonzero((points[:, :1] >= xs.min(0)) & (points[:, :1] <= xs.max(0))
                                     & (points[:, 2:] >= zs.min(0)) & (points[:, 2:] <= zs.max(0)))
            o, e1, e2 = a[cand], (b - a)[cand], (c - a)[cand]
            u, w = xz_barycentric(points[owner][:, [0, 2]] - o[:, [0, 2]], e1, e2)
            depth = o[:, 1] + u * e1[:, 1] + w * e2[:, 1]
            hit = (u >= 0) & (w >= 0) & (u + w <= 1) & (depth < points[owner, 1])
            covered = np.zeros(len(points), bool)
            covered[owner[hit]] = True  # skin in front of the tooth covers this point
            out[f] = (area * (1.0 - covered.reshape(len(area), -1).mean(1))).sum()
        return out

    def light(self, visible_area: np.ndarray) -> np.ndarray:
        """(T, teeth vertices) factors in [TEETH_SHUT, 1] for each frame's ``visible_area`` (T,)."""
        shown = _smoothstep(*TEETH_SHOWN_MM2, np.asarray(visible_area))
        return np.repeat((TEETH_SHUT + (1.0 - TEETH_SHUT) * shown)[:, None], self.n_teeth, 1).astype(np.float32)


def _template_normals() -> np.ndarray:
    """(19158, 3) smooth normals of the neutral template's skin, in the face frame's axes."""
    from humans.body_model import template_vertices
    from humans.topology import part_topologies

    part = part_topologies("body")["skin"]
    v = template_vertices()
    out = np.zeros_like(v)
    out[part.vertex_ids] = smooth_normals(v[None, part.vertex_ids], part.triangles)[0]
    return out


# Where the lips meet, each overhangs the other's rim: the top of the lower lip faces up into the
# key light, but the upper lip stands over it, and its underside faces the lower lip. Without
# shadows the rasteriser lit those rims (and put a specular highlight on them) as if nothing were
# in front: a closed mouth showed a broken white line along the seam. They are occluded in the
# skin's ambient-occlusion channel (which darkens the ambient light and the specular lobe too).
SEAM_MM = 3.0  # how far from the mouth slit a lip's rim lies under the other lip
SEAM_FLOOR = 0.2  # the occlusion left on a rim facing straight into the other lip


@functools.lru_cache(maxsize=1)
def lip_seam_occlusion() -> np.ndarray:
    """(19158,) factors in (0, 1] for the skin's occlusion: 1 except on the lips' rims at the slit."""
    from humans.appearance import face_frame_coordinates, face_regions
    from humans.body_model import template_vertices

    p = face_frame_coordinates(template_vertices()).astype(np.float64) * 1000.0
    nz = _template_normals()[:, 2]
    below = -67.5 - p[:, 2]  # mm below the slit (the template's mouth slit is at z -67.5)
    lips = face_regions().lips
    lower_rim = _smoothstep(SEAM_MM, 0.3, below) * _smoothstep(-0.5, 0.0, below) * _smoothstep(0.1, 0.6, nz)
    upper_rim = _smoothstep(SEAM_MM, 0.3, -below) * _smoothstep(-0.5, 0.0, -below) * _smoothstep(-0.1, -0.6, nz)
    return (1.0 - (1.0 - SEAM_FLOOR) * np.clip(lips * np.maximum(lower_rim, upper_rim), 0.0, 1.0)).astype(np.float32)


def shade_surface(vertex_ids: np.ndarray, surface: np.ndarray) -> np.ndarray:
    """The skin part's (roughness, occlusion) ``surface`` (V, 2) with the lips' rims occluded."""
    out = np.array(surface, np.float32)
    out[:, 1] *= lip_seam_occlusion()[vertex_ids]
    return out


def shade_part(name: str, vertex_ids: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """``colours`` (V, 3) of hm08 part ``name`` with the mouth's occlusion applied."""
    if name not in ("skin", "teeth", "tongue"):
        return colours
    return (np.asarray(colours, np.float32) * mouth_occlusion()[vertex_ids, None]).astype(np.float32)


# ----------------------------------------------------------------------------- teeth
# hm08's teeth are two coarse shells: per row, nine stations from the midline to the last molar on
# each side, with a vertex at the biting edge, one midway and one at the gum line. Drawn in one
# colour they showed as two cream plates reaching to the mouth's corners, parted by a dark line (a
# clenched grimace, not teeth). A photograph shows separate crowns (a dark line where neighbours
# touch, dark notches where their rounded corners meet at the biting edge), gums above the crowns,
# and the back teeth fading into the shade of the cheeks (the "buccal corridor" of smile
# photographs). So the teeth are drawn per pixel from two maps laid on the shells by arch position:
# an occlusion map (pyrender's occlusion texture, which scales the lit colour) and a paint of the
# gums over the tooth colour. Crown widths and heights (mesiodistal and cervico-incisal, mm,
# midline to third molar): the averages in Nelson (2015), *Wheeler's Dental Anatomy, Physiology
# and Occlusion*, 10th ed.
UPPER_TEETH_MM = ((8.5, 10.5), (6.5, 9.0), (7.5, 10.0), (7.0, 8.5), (6.5, 7.5), (10.0, 7.5), (9.0, 7.0), (8.5, 6.5))
LOWER_TEETH_MM = ((5.0, 9.0), (5.5, 9.5), (7.0, 11.0), (7.0, 8.5), (7.0, 8.0), (11.0, 7.5), (10.5, 7.0), (10.0, 7.0))
TEETH_MAP_ARCH_MM = 66.0  # the maps span -66..66 mm of arch (hm08's rows end about 62 mm out)
TEETH_MAP_ROW_MM = 17.0  # and 17 mm from the biting edge toward the gums per row (the shells: 16.4)
TEETH_MAP_SHAPE = (256, 1024)  # rows, columns: the upper row in the top half (its edge at the top)
EMBRASURE = 0.06  # light left in the notches between crowns at the biting edge (the dark mouth)
CONTACT_SHADE, CONTACT_MM = 0.55, 0.22  # the line where neighbouring crowns touch: depth, half-width
PAPILLA_MM = (3.0, 2.0)  # how far the gum reaches down between crowns: front six teeth, back teeth
BUCCAL_MM, BUCCAL_FLOOR = (16.0, 40.0), 0.2  # arch length over which the back teeth fade into shade
GUM_SHADE = 0.85  # gums: the lips' colour a little darker (pigmented with the person's tone, as lips)


def _row_arch(p: np.ndarray, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    """One row's arch from its shell vertices ``p`` (V, 3) mm: the labial stations' (|x|, y) (S, 2),
    midline first, and their biting edges' z (S,). A station is a cluster of vertices at one place
    on the arch (edge, middle and gum line, both sides); the lingual vertices stand alone."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    xy = np.stack([np.abs(p[:, 0]), p[:, 1]], 1)
    pairs = cKDTree(xy).query_pairs(2.5, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(p), len(p)))
    _, label = connected_components(graph, directed=False)
    stations, edges = [], []
    for k in np.unique(label):
        members = np.flatnonzero(label == k)
        if len(members) >= 3:
            stations.append(xy[members].mean(0))
            edges.append(p[members, 2].min() if upper else p[members, 2].max())
    order = np.argsort(np.array(stations)[:, 1])  # the arch runs back (y) from the midline
    return np.array(stations)[order], np.array(edges)[order]


def _arc_length(xy: np.ndarray, stations: np.ndarray) -> np.ndarray:
    """Arc length (mm) along the polyline ``stations`` of each point's nearest point on it."""
    a, b = stations[:-1], stations[1:]
    seg = b - a
    length = np.linalg.norm(seg, axis=1)
    start = np.concatenate([[0.0], np.cumsum(length)[:-1]])
    t = np.clip(((xy[:, None] - a[None]) * seg[None]).sum(-1) / (length ** 2)[None], 0.0, 1.0)  # (V, S-1)
    dist = np.linalg.norm(xy[:, None] - (a[None] + t[..., None] * seg[None]), axis=-1)
    best = np.argmin(dist, 1)
    return start[best] + t[np.arange(len(xy)), best] * length[best]


@functools.lru_cache(maxsize=1)
def _teeth_template() -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Per row: hm08 vertex ids, each vertex's (signed arc length, height above the biting edge) mm,
    and the row's arch length (mm, midline to the last station)."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import base_obj_groups

    p_all = face_frame_coordinates(template_vertices()).astype(np.float64) * 1000.0
    groups = base_obj_groups()
    out = {}
    for row, group in (("upper", "helper-upper-teeth"), ("lower", "helper-lower-teeth")):
        ids = np.unique(groups[group])
        p = p_all[ids]
        stations, edge_z = _row_arch(p, row == "upper")
        s = _arc_length(np.stack([np.abs(p[:, 0]), p[:, 1]], 1), stations)
        station_s = _arc_length(stations, stations)
        edge = np.interp(s, station_s, edge_z)
        height = np.clip((p[:, 2] - edge) if row == "upper" else (edge - p[:, 2]), 0.0, TEETH_MAP_ROW_MM)
        out[row] = (ids, np.stack([np.sign(p[:, 0]) * s, height], 1), float(station_s[-1]))
    return out


def teeth_texcoords(vertex_ids: np.ndarray) -> np.ndarray:
    """(V, 2) texture coordinates of hm08 teeth vertices ``vertex_ids`` on ``teeth_maps``: u along
    the arch (0.5 at the midline, the subject's left to the right), v up; the upper row's biting
    edge at the top of the maps, the lower row's at the bottom, both rows' gums in the middle."""
    where = {}
    for row, (ids, coords, _) in _teeth_template().items():
        for i, c in zip(ids, coords):
            where[int(i)] = (row, c)
    out = np.empty((len(vertex_ids), 2), np.float32)
    for k, i in enumerate(np.asarray(vertex_ids)):
        row, (s, h) = where[int(i)]
        half = 0.5 * h / TEETH_MAP_ROW_MM
        out[k] = (0.5 + 0.5 * s / TEETH_MAP_ARCH_MM, 1.0 - half if row == "upper" else half)
    return out


def _crowns(s: np.ndarray, h: np.ndarray, crowns_mm, arch_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """(occlusion, gum cover) of one row at arch lengths ``|s|`` and heights ``h`` (mm, same shape).
    The crowns, scaled to fill the row's arch, have rounded corners (incisors), a pointed cusp
    (canines, premolars) or two (molars) at the biting edge."""
    widths = np.array([w for w, _ in crowns_mm])
    bounds = np.concatenate([[0.0], np.cumsum(widths * arch_mm / widths.sum())])
    a = np.abs(s)
    i = np.clip(np.searchsorted(bounds, a, side="right") - 1, 0, len(widths) - 1)
    w = bounds[i + 1] - bounds[i]
    t = np.clip((a - bounds[i]) / w, 0.0, 1.0)  # across the crown, 0 at its midline side
    d = np.minimum(t, 1.0 - t) * w  # mm to the nearest neighbour
    crown = np.array([c for _, c in crowns_mm])[i]
    # the biting edge's outline, mm above the row's edge line
    corner = np.where(i == 0, 1.0, 1.6)  # the corners' radius: central, other incisors
    rounded = corner - np.sqrt(np.clip(corner ** 2 - np.clip(corner - d, 0.0, None) ** 2, 0.0, None))
    cusp = np.where(i == 2, 1.8, 1.1) * np.abs(t - 0.5) * 2.0  # canine, premolars
    cusps = 0.8 * np.abs(np.cos(2.0 * np.pi * t))  # molars: two buccal cusps
    outline = np.where(i < 2, rounded, np.where(i < 5, np.maximum(cusp, rounded), np.maximum(cusps, rounded)))
    # the gum line arches over each crown; the papilla between crowns reaches down toward the edge
    papilla = np.where(i < 3, PAPILLA_MM[0], PAPILLA_MM[1])
    margin = crown - papilla * (1.0 - np.sin(np.pi * t)) ** 2
    gum = _smoothstep(margin - 0.3, margin + 0.3, h)
    tooth = np.where(h < outline, EMBRASURE, 1.0)
    tooth = tooth * (1.0 - CONTACT_SHADE * np.exp(-0.5 * (d / CONTACT_MM) ** 2))
    tooth = tooth * (1.0 - 0.2 * np.abs(2.0 * t - 1.0) ** 3)  # the face of a crown turns away at its sides
    tooth = tooth * np.where(i < 2, 1.0 - 0.15 * _smoothstep(1.2, 0.0, h - outline), 1.0)  # translucent edge
    occ = (tooth + (1.0 - tooth) * gum) * (1.0 - (1.0 - BUCCAL_FLOOR) * _smoothstep(*BUCCAL_MM, a))
    return occ.astype(np.float32), gum.astype(np.float32)


@functools.lru_cache(maxsize=1)
def _teeth_layers() -> tuple[np.ndarray, np.ndarray]:
    """The teeth's occlusion and gum cover, (H, W) uint8 each: the same for everyone."""
    rows, cols = TEETH_MAP_SHAPE
    half = rows // 2
    s = ((np.arange(cols) + 0.5) / cols * 2.0 - 1.0) * TEETH_MAP_ARCH_MM
    h = (np.arange(half) + 0.5) / half * TEETH_MAP_ROW_MM  # upper half: rows run from the edge up
    S, H = np.meshgrid(s, h)
    arch = {row: length for row, (_, _, length) in _teeth_template().items()}
    upper = _crowns(S, H, UPPER_TEETH_MM, arch["upper"])
    lower = _crowns(S, H, LOWER_TEETH_MM, arch["lower"])
    occ = np.concatenate([upper[0], lower[0][::-1]])  # the lower row's edge at the bottom
    gum = np.concatenate([upper[1], lower[1][::-1]])
    return np.round(occ * 255).astype(np.uint8), np.round(gum * 255).astype(np.uint8)


def teeth_maps(lips_srgb: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The teeth's occlusion map (H, W) uint8 (linear) and gum paint (H, W, 4) uint8 (sRGB colour,
    alpha its cover over the tooth colour), for a person with lips of colour ``lips_srgb``."""
    occlusion, gum = _teeth_layers()
    paint = np.empty((*gum.shape, 4), np.uint8)
    paint[..., :3] = np.round(np.clip(np.asarray(lips_srgb) * GUM_SHADE, 0.0, 1.0) * 255)
    paint[..., 3] = gum
    return occlusion, paint


# ----------------------------------------------------------------------------- lids over the eyeball
# The built-in eyeballs are spheres; the lids lie on them, their margins tucked just behind the
# ball's surface. When a lid slides over the ball (AU6 and AU7 raise the lower lid, AU43 lowers the
# upper), the rows of lid vertices spread and the triangles between them cut into the sphere: on
# about a quarter of balanced24 (men with deep-set eyes) AU6 showed a strip of white sclera under the
# raised lower lid. Skin cannot pass into the eyeball, so lid vertices that cover the ball at rest
# keep their clearance over it (up to LID_CLEARANCE_MM) in every frame, pushed out along its radius.
LID_BOX_MM = (14.0, 50.0, -16.0, 14.0, -5.0)  # |x|, z ranges and greatest y (face frame, y back) of the lids:
#                                             the skin in front of the balls, not the socket behind them
LID_CLEARANCE_MM = 2.5


class LidCover:
    """Keeps the lids of the skin part (hm08 ``skin_ids``) over the built-in eyeballs, spheres of
    ``radius`` (m) at each frame's eye centres; ``rest`` (19158, 3) m the person's rest vertices,
    ``rest_eyes`` (2, 3) their eye centres (left, right)."""

    def __init__(self, skin_ids: np.ndarray, rest: np.ndarray, rest_eyes: np.ndarray, radius: float):
        from humans.appearance import face_frame_coordinates
        from humans.body_model import template_vertices

        p = face_frame_coordinates(template_vertices())[np.asarray(skin_ids)] * 1000.0
        ax = np.abs(p[:, 0])
        box = ((ax > LID_BOX_MM[0]) & (ax < LID_BOX_MM[1]) & (p[:, 2] > LID_BOX_MM[2]) & (p[:, 2] < LID_BOX_MM[3])
               & (p[:, 1] < LID_BOX_MM[4]))
        side = np.where(p[:, 0] > 0, 0, 1)  # the subject's left eye first, as HumanFrames.eye_centres
        v = np.asarray(rest, np.float64)[np.asarray(skin_ids)]
        clearance = np.linalg.norm(v - np.asarray(rest_eyes, np.float64)[side], axis=1) - radius
        keep = box & (clearance > 0.0) & (clearance < 0.01)  # covering the ball, within a centimetre
        self.index = np.flatnonzero(keep)
        self.side = side[keep]
        self.radius = float(radius)
        self.floor = self.radius + np.minimum(clearance[keep], LID_CLEARANCE_MM / 1000.0)

    def apply(self, positions: np.ndarray, eye_centres: np.ndarray) -> np.ndarray:
        """``positions`` (T, V, 3) of the skin part with its lids pushed out of the eyeballs at
        ``eye_centres`` (T, 2, 3); a copy where any lid moved, else the same array."""
        lids = positions[:, self.index]
        centre = eye_centres[:, self.side]  # (T, L, 3)
        offset = lids - centre
        dist = np.linalg.norm(offset, axis=-1)
        inside = dist < self.floor[None] - 2e-5  # (20 µm: the rest pose itself, in float32, stays)
        if not inside.any():
            return positions
        out = np.array(positions, copy=True)
        scale = np.where(inside, self.floor[None] / np.maximum(dist, 1e-9), 1.0)
        out[:, self.index] = (centre + offset * scale[..., None]).astype(positions.dtype)
        return out


# ----------------------------------------------------------------------------- expression folds
# Skin that an action unit pushes together folds: AU4's brows drawn together raise vertical furrows
# in the glabella, AU9 bunches the skin of the nose root into transverse wrinkles, AU10 and AU12 deepen
# the nasolabial folds, AU1+2 furrow the forehead, AU6 makes crow's feet, AU17 wrinkles the chin
# (Ekman, Friesen & Hager, FACS Manual 2002, the "appearance changes" of each AU). The rig moves the
# skin but the rasteriser draws no fold, so the compression is measured per frame and shaded as an
# occlusion of the skin (the "tension map" of game and film face rigs, which blend wrinkle maps by
# how much each region is squashed): the fold's valley receives less light, ambient and direct.
#
# Compression of a triangle: 1 - its smallest principal stretch against the person's own neutral
# face (the deformation gradient's smaller singular value), so a triangle squashed in one direction
# and stretched in the other (skin bunching into a fold) counts, and rigid head motion does not.
FOLD_START, FOLD_FULL = 0.08, 0.45  # compression where a fold begins to show / is fully formed
FOLD_DEPTH = 0.72  # the share of the skin's occlusion factor a full fold takes away
FOLD_REGION_MM = (-125.0, 95.0)  # face frame z range (chin to upper forehead) where folds are shaded
# Where an AU wrinkles skin that the rig moves without squashing it, the fold is shaded from the AU's
# intensity over the region FACS names: AU17's mentalis pushes the chin boss up and wrinkles its skin
# like orange peel (FACS Manual 2002, AU17: "the chin boss may show wrinkles or dimpling"). Region in
# the face frame (|x| limit, z range, mm) and the occlusion taken at full intensity; a fixed per-vertex
# mottle makes it a dimpled patch, not a smudge.
AU_FOLDS = {17: ((18.0, -117.0, -90.0), 0.6)}
# A furrow the rig carves (the fold_* targets' grooves: AU9's lines across the nose root, the
# nasolabial furrow of AU10/11/12, AU4's glabellar furrows) is a valley: it receives less light than
# the skin beside it, which is what draws it in a photograph. The rasteriser sees only its normals,
# which at hm08's 3-4 mm vertex spacing and a soft key light shade a 1-2 mm groove by a few levels.
# So a vertex that sinks below the mean of its neighbours, against the neutral face, is occluded as a
# cavity (the "cavity map" of skin rendering), in mm of depth below its ring.
CAVITY_START, CAVITY_FULL = 0.05, 0.7  # mm below the ring where the shade begins / is full
CAVITY_DEPTH = 0.55  # the share of the skin's occlusion factor a full cavity takes away


class SkinFolds:
    """Per-frame fold occlusion of the skin part (vertices ``vertex_ids`` of hm08, ``triangles``
    indexing them), from the compression of each frame against ``rest_positions``."""

    def __init__(self, rest_positions: np.ndarray, triangles: np.ndarray, vertex_ids: np.ndarray):
        import scipy.sparse as sp

        from humans.appearance import face_frame_coordinates
        from humans.body_model import template_vertices

        rest = np.asarray(rest_positions, np.float64)
        self.triangles = np.asarray(triangles, np.int64)
        a, b, c = (rest[self.triangles[:, k]] for k in range(3))
        e1, e2 = b - a, c - a
        u = e1 / np.maximum(np.linalg.norm(e1, axis=1, keepdims=True), 1e-12)
        n = np.cross(e1, e2)
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        w = np.cross(n, u)
        rest_2d = np.stack([np.stack([(e1 * u).sum(1), (e2 * u).sum(1)], 1),
                            np.stack([(e1 * w).sum(1), (e2 * w).sum(1)], 1)], 1)  # (F, 2, 2)
        det = np.linalg.det(rest_2d)
        ok = np.abs(det) > 1e-14
        self._inverse = np.zeros_like(rest_2d)
        self._inverse[ok] = np.linalg.inv(rest_2d[ok])
        nv, nf = len(rest), len(self.triangles)
        rows = self.triangles.ravel()
        cols = np.repeat(np.arange(nf), 3)
        weights = np.repeat(np.where(ok, 0.5 * np.abs(det), 0.0), 3)  # area-weighted average over the ring
        incidence = sp.csr_matrix((weights, (rows, cols)), shape=(nv, nf))
        total = np.asarray(incidence.sum(1)).ravel()
        self._to_vertices = sp.diags(1.0 / np.maximum(total, 1e-18)) @ incidence
        # one step of neighbour averaging: a fold is a soft valley, not a faceted patch
        adjacency = sp.csr_matrix((np.ones(nf * 3), (rows, cols)), shape=(nv, nf)) @ incidence.T.sign()
        adjacency = adjacency + sp.identity(nv)
        self._smooth = sp.diags(1.0 / np.asarray(adjacency.sum(1)).ravel()) @ adjacency
        x, y, z = (face_frame_coordinates(np.asarray(template_vertices()))[vertex_ids] * 1000.0).T
        lo, hi = FOLD_REGION_MM
        self._region = (_smoothstep(lo - 15.0, lo, z) * _smoothstep(hi + 15.0, hi, z)).astype(np.float32)
        rest32 = rest.astype(np.float32)[None]
        self._rest_cavity = self.cavity(rest32, smooth_normals(rest32, self.triangles))[0]
        mottle = 0.35 + 0.65 * np.random.default_rng(17).random(len(x))
        self._au_maps = {}
        for au, ((half_width, z_lo, z_hi), depth) in AU_FOLDS.items():
            mask = (_smoothstep(half_width + 6.0, half_width, np.abs(x)) * _smoothstep(z_lo - 6.0, z_lo, z)
                    * _smoothstep(z_hi + 6.0, z_hi, z) * _smoothstep(5.0, -10.0, y))
            self._au_maps[au] = (depth * mask * mottle).astype(np.float32)

    def compression(self, positions: np.ndarray) -> np.ndarray:
        """(T, V) per-vertex compression in [0, 1) of ``positions`` (T, V, 3)."""
        p = np.asarray(positions, np.float64)
        t = self.triangles
        d = np.stack([p[:, t[:, 1]] - p[:, t[:, 0]], p[:, t[:, 2]] - p[:, t[:, 0]]], -1)  # (T, F, 3, 2)
        f = d @ self._inverse  # deformation gradient, (T, F, 3, 2)
        g = np.swapaxes(f, -1, -2) @ f  # (T, F, 2, 2), eigenvalues = squared principal stretches
        tr = g[..., 0, 0] + g[..., 1, 1]
        det = g[..., 0, 0] * g[..., 1, 1] - g[..., 0, 1] * g[..., 1, 0]
        smallest = np.sqrt(np.maximum(0.5 * (tr - np.sqrt(np.maximum(tr * tr - 4 * det, 0.0))), 0.0))
        per_triangle = np.clip(1.0 - smallest, 0.0, 1.0)
        per_vertex = (self._to_vertices @ per_triangle.T)
        return np.asarray(self._smooth @ per_vertex).T.astype(np.float32)

    def cavity(self, positions: np.ndarray, normals: np.ndarray) -> np.ndarray:
        """(T, V) mm each vertex lies below the mean of its ring, along its normal (> 0 in a valley)."""
        p = np.asarray(positions, np.float64)
        t, v, _ = p.shape
        ring = (self._smooth @ p.transpose(1, 0, 2).reshape(v, t * 3)).reshape(v, t, 3).transpose(1, 0, 2)
        return (((ring - p) * normals).sum(-1) * 1000.0).astype(np.float32)

    def occlusion(self, positions: np.ndarray, au_intensities: dict | None = None,
                  normals: np.ndarray | None = None) -> np.ndarray:
        """(T, V) factors in (0, 1] that multiply the skin's occlusion: 1 where nothing folds.

        Compression folds, cavities deeper than on the neutral face (``normals``: the frames' vertex
        normals, computed when not given), and the folds of ``AU_FOLDS`` by ``au_intensities`` (AU
        number -> (T,))."""
        factor = 1.0 - FOLD_DEPTH * _smoothstep(FOLD_START, FOLD_FULL, self.compression(positions)) * self._region
        if normals is None:
            normals = smooth_normals(np.asarray(positions, np.float32), self.triangles)
        deeper = self.cavity(positions, normals) - self._rest_cavity
        factor = factor * (1.0 - CAVITY_DEPTH * _smoothstep(CAVITY_START, CAVITY_FULL, deeper) * self._region)
        for au, weights in self._au_maps.items():
            level = (au_intensities or {}).get(au)
            if level is not None:
                factor = factor * (1.0 - np.clip(np.asarray(level, np.float32), 0, 1)[:, None] * weights)
        return factor.astype(np.float32)
