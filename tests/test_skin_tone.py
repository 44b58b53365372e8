"""Skin that treats every tone alike: per-tone face luminance and contrast, skin shading zones."""
import numpy as np
import pytest

pytest.importorskip("pyrender")


@pytest.fixture(scope="module")
def extremes():
    """The lightest (MST <= 2) and darkest (MST >= 9) people of balanced24."""
    from humans.suites import balanced24

    people = balanced24()
    light = [p for p in people if p.effective_skin_tone <= 2]
    dark = [p for p in people if p.effective_skin_tone >= 9]
    assert light and dark, "balanced24 must span the Monk scale"
    return light[:2] + dark[:2]


def _ratios(people, **settings):
    from sim_env.render.skin_report import dark_light_ratios, measure

    return dark_light_ratios(measure(people, size=64, **settings))


def test_default_camera_and_skin_keep_dark_faces_visible(extremes):
    lum, con = _ratios(extremes)
    assert lum >= 0.6, f"darkest/lightest face luminance {lum:.2f}"
    assert con >= 0.6, f"darkest/lightest face contrast {con:.2f}"


def test_fixed_legacy_camera_still_renders_dark_skin_dark(extremes):
    """--exposure fixed with the old tone curve: the scene as lit, no compensation (the test above
    could fail: without the camera model the darkest faces are far darker)."""
    lum, _ = _ratios(extremes, exposure="fixed", tone="clip", white_balance="none")
    assert lum < 0.45, f"fixed exposure should not even tones out, got ratio {lum:.2f}"


def test_skin_zones_follow_the_face():
    from humans.appearance import SKIN_ROUGHNESS, appearance_for, face_frame_coordinates, skin_surface, skin_zones
    from humans.body_model import template_vertices
    from humans.suites import balanced24
    from humans.topology import BODY_VERTICES

    p = face_frame_coordinates(np.asarray(template_vertices())) * 1000.0
    zones = skin_zones()
    surface = skin_surface(appearance_for(balanced24()[0]))

    def near(x, z, radius=6.0):
        d = np.hypot(np.abs(p[:, 0]) - x, p[:, 2] - z)
        body = np.arange(len(p)) < BODY_VERTICES[1]  # not the eye and lash helpers
        return np.flatnonzero((d < radius) & (p[:, 1] < -15) & body)

    cheek, forehead = near(40, -40), near(0, 30)
    assert surface[forehead, 0].mean() < surface[cheek, 0].mean() - 0.08, "the T-zone is shinier than the cheeks"
    assert surface[cheek, 0].mean() == pytest.approx(SKIN_ROUGHNESS["base"], abs=0.05)
    occlusion = zones.occlusion
    assert occlusion[cheek].mean() > 0.85, "open skin is barely occluded"
    nostril_side = near(17, -45, 5)  # the alar crease beside the nostrils
    assert occlusion[nostril_side].mean() < occlusion[cheek].mean() - 0.1, "creases are occluded"
    assert zones.under_eye[near(32, -13)].mean() > 0.3 > 0.1 > zones.under_eye[cheek].mean()
