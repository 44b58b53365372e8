"""Each reworked AU changes the right region of the rendered face, in the right direction, visibly.

One render (one body, one actor): frame 0 neutral, then one AU at intensity 1 (FACS E) per frame.
Measured on a frontal 192 px view at 0.45 m, where the face is about 120 px tall (1 px ~ 1.7 mm).
Needs EGL (Mesa) to run, like the other rendering tests.
"""
import numpy as np
import pytest

from image_probes import dark_centroid, frame_crop, luminance, pulses
from humans.suites import balanced24
from sim_env.render.clip import render_clip
from sim_env.render.viewpoints import Viewpoint

KEYS = ("4", "9", "10", "26", "17", "12", "6", "1", "2", "16", "25")
SIZE = 192


@pytest.fixture(scope="module", params=["bal_m_caucasian_1", "bal_f_black_1"])
def shown(request):
    person = next(h for h in balanced24() if h.id == request.param)
    clip = render_clip(person, pulses(KEYS), (Viewpoint(0, 0, 0.45),), n_frames=len(KEYS) + 1, size=SIZE)
    frames = {key: clip.frames[0, k + 1] for k, key in enumerate(KEYS)}
    frames["neutral"] = clip.frames[0, 0]
    lm = clip.labels.landmarks[0, 0]  # neutral landmarks: left eye, right eye, nose tip, mouth l, r
    return frames, lm


def _geometry(lm):
    left_eye, right_eye, nose, mouth_l, mouth_r = lm
    eye_gap = left_eye[0] - right_eye[0]
    return left_eye, right_eye, nose, (mouth_l + mouth_r) / 2, eye_gap


def test_au4_lowers_the_brows_and_draws_them_together(shown):
    frames, lm = shown
    left_eye, right_eye, _, _, gap = _geometry(lm)
    for eye, medial in ((left_eye, -1), (right_eye, +1)):  # medial: toward the image centre
        # the brow's inner two thirds, with its head and all of its travel down
        above = eye + np.array([medial * 0.15 * gap, -0.4 * gap])
        x0, y0 = dark_centroid(frame_crop(frames["neutral"], above, int(0.36 * gap), int(0.32 * gap)))
        x1, y1 = dark_centroid(frame_crop(frames["4"], above, int(0.36 * gap), int(0.32 * gap)))
        assert y1 - y0 > 2.0  # brow pixels move down (> 3 mm; measured 2.9-6.4 px on 4 people)
        assert medial * (x1 - x0) > 2.0  # and toward the nose (3.5-4.7 px)
    glabella = (left_eye + right_eye) / 2 + np.array([0.0, -0.3 * gap])
    before = luminance(frame_crop(frames["neutral"], glabella, int(0.12 * gap), int(0.15 * gap)))
    after = luminance(frame_crop(frames["4"], glabella, int(0.12 * gap), int(0.15 * gap)))
    assert after.std() > before.std() + 5.0  # the glabella shows furrows (ARKit's browDown alone: +2)


def test_au9_wrinkles_and_darkens_the_nose_root(shown):
    frames, lm = shown
    left_eye, right_eye, nose, _, gap = _geometry(lm)
    root = (left_eye + right_eye) / 2 + np.array([0.0, 0.1 * gap])
    before = luminance(frame_crop(frames["neutral"], root, int(0.15 * gap), int(0.15 * gap)))
    after = luminance(frame_crop(frames["9"], root, int(0.15 * gap), int(0.15 * gap)))
    change = np.abs(after - before)
    assert change.mean() > 3.0  # the root of the nose is wrinkled and pulled up


def test_au10_raises_the_upper_lip_and_shows_teeth(shown):
    frames, lm = shown
    _, _, nose, mouth, gap = _geometry(lm)
    y_from, y_to = nose[1] + 0.1 * gap, mouth[1] + 0.1 * gap
    band = (mouth[0], (y_from + y_to) / 2)
    change = np.abs(luminance(frame_crop(frames["10"], band, int(0.2 * gap), int(0.1 * gap)))
                    - luminance(frame_crop(frames["neutral"], band, int(0.2 * gap), int(0.1 * gap))))
    assert change.mean() > 4.0  # the upper lip and the skin above it move
    slit = frame_crop(frames["10"], mouth, int(0.25 * gap), int(0.08 * gap))
    slit0 = frame_crop(frames["neutral"], mouth, int(0.25 * gap), int(0.08 * gap))
    teeth = lambda p: ((luminance(p) > 150) & (p.max(-1) - p.min(-1) < 60)).mean()  # noqa: E731
    assert teeth(slit) > teeth(slit0) + 0.03  # pale, unsaturated teeth between the lips


def test_au26_opens_a_dark_mouth(shown):
    frames, lm = shown
    _, _, _, mouth, gap = _geometry(lm)
    centre = mouth + np.array([0.0, 0.12 * gap])
    inside = luminance(frame_crop(frames["26"], centre, int(0.12 * gap), int(0.06 * gap)))
    closed = luminance(frame_crop(frames["neutral"], centre, int(0.12 * gap), int(0.06 * gap)))
    assert np.median(inside) < 0.7 * np.median(closed)  # a dark interior, not lit skin


def test_au17_pushes_the_chin_and_lower_lip_up(shown):
    frames, lm = shown
    _, _, _, mouth, gap = _geometry(lm)
    chin = mouth + np.array([0.0, 0.45 * gap])
    before = luminance(frame_crop(frames["neutral"], chin, int(0.2 * gap), int(0.15 * gap)))
    after = luminance(frame_crop(frames["17"], chin, int(0.2 * gap), int(0.15 * gap)))
    assert np.abs(after - before).mean() > 6.0  # the chin boss and its wrinkling (ARKit's units alone: 2-4)


def test_au12_pulls_the_lip_corners_up_and_out(shown):
    frames, lm = shown
    _, _, _, mouth, gap = _geometry(lm)
    mouth_box = (int(0.45 * gap), int(0.15 * gap))
    assert np.abs(luminance(frame_crop(frames["12"], mouth, *mouth_box))
                  - luminance(frame_crop(frames["neutral"], mouth, *mouth_box))).mean() > 3.0


def test_au6_raises_the_cheeks_and_au1_the_inner_brows(shown):
    frames, lm = shown
    left_eye, right_eye, _, _, gap = _geometry(lm)
    cheek = left_eye + np.array([0.05 * gap, 0.35 * gap])
    diff6 = np.abs(luminance(frame_crop(frames["6"], cheek, int(0.2 * gap), int(0.15 * gap)))
                   - luminance(frame_crop(frames["neutral"], cheek, int(0.2 * gap), int(0.15 * gap)))).mean()
    assert diff6 > 6.3  # the cheek rises and bags under the eye (ARKit's units alone: 5-6)
    above = (left_eye + right_eye) / 2 + np.array([0.0, -0.42 * gap])
    _, y0 = dark_centroid(frame_crop(frames["neutral"], above, int(0.25 * gap), int(0.2 * gap)))
    _, y1 = dark_centroid(frame_crop(frames["1"], above, int(0.25 * gap), int(0.2 * gap)))
    assert y0 - y1 > 1.0  # AU1 raises the inner brows


def _brow_rise(frames, lm, key, outward):
    """Pixels the brow above each eye rises under ``key``: the dark centroid of a patch above the eye,
    ``outward`` × the eye gap from the eye toward the temple (negative: toward the nose)."""
    left_eye, right_eye, _, _, gap = _geometry(lm)
    rises = []
    for eye, temple in ((left_eye, +1), (right_eye, -1)):  # the subject's left eye is on the image's right
        centre = eye + np.array([temple * outward * gap, -0.42 * gap])
        patch = lambda f: frame_crop(f, centre, int(0.14 * gap), int(0.25 * gap))  # noqa: E731
        rises.append(dark_centroid(patch(frames["neutral"]))[1] - dark_centroid(patch(frames[key]))[1])
    return np.array(rises)


def test_au1_and_au2_raise_the_brows_as_far_as_facs_e(shown):
    """FACS E: the inner brows rise about a centimetre under AU1 (FACSHuman's AU1 target: 10.4 mm);
    ARKit's browInnerUp alone lifts them 4-5 px here (1 px ~ 1.1 mm), its browOuterUp 3-4 px."""
    frames, lm = shown
    assert (_brow_rise(frames, lm, "1", -0.22) > 7.0).all()  # inner brows, both sides (before: 4.2-4.7)
    assert (_brow_rise(frames, lm, "2", 0.25) > 5.0).all()  # outer brows (before: 2.7-4.1)


def _parted(frame, mouth, gap):
    """Share of the mouth's patch that is not lip or skin: teeth (pale, unsaturated) or the dark inside."""
    slit = frame_crop(frame, mouth, int(0.25 * gap), int(0.12 * gap))
    lum, redness = luminance(slit), slit[..., 0] - slit[..., 1]
    # teeth: pale and not red (red minus green < 30; lips and skin, fair or dark, are redder: a
    # neutral mouth's patch has 0-4 % such pixels, a parted one 42-71 %)
    return (((lum > 120) & (redness < 30)) | (lum < 70)).mean()


def test_au16_and_au25_part_the_lips(shown):
    """FACS E: AU25 parts the lips so the teeth and the mouth's inside show; AU16 pulls the lower lip
    down and out over the lower teeth."""
    frames, lm = shown
    _, _, _, mouth, gap = _geometry(lm)
    closed = _parted(frames["neutral"], mouth, gap)
    assert _parted(frames["25"], mouth, gap) > closed + 0.25
    assert _parted(frames["16"], mouth, gap) > closed + 0.20


def test_pulses_show_each_au_alone_on_its_own_frame():
    # the probes above read frame k+1 as AU k alone; a held apex leaking into later frames (the
    # timeline holds a curve's last value past its end) would make them measure AU mixtures
    for keys in (KEYS, ("6", "16", "20", "25", "15", "9"), ("1", "2", "4", "5", "6", "7", "9", "10", "12", "14", "15")):
        _, values = pulses(keys).sample(len(keys) + 1)
        np.testing.assert_array_equal(values, np.eye(len(keys) + 1, len(keys), -1))
