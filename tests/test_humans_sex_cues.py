"""Cues to a face's sex beyond hair: women's eye and lip regions contrast more with their skin
(Russell 2009), their brows are thinner; a shaven man's beard area is shadowed by his hair."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from humans.appearance import appearance_for, srgb_to_linear
from humans.outfit import brow_weights
from humans.spec import HumanSpec
from image_probes import frame_crop, luminance

WOMAN = HumanSpec(id="w", gender=0.0, age_years=30.0, skin_tone=4, hair_style="short", hair_colour="black",
                  facial_hair="none", glasses="none", brow_shape="soft_arch", seed=3)
MAN = dataclasses.replace(WOMAN, id="m", gender=1.0)


def _lum(rgb):
    return float(srgb_to_linear(np.asarray(rgb)) @ np.array([0.2126, 0.7152, 0.0722]))


@pytest.mark.parametrize("tone", [1, 5, 10])
def test_womens_lips_contrast_more_with_their_skin(tone):
    """Lips darker than light skin and lighter than the darkest (the lip tint is browner than MST 10's
    skin): either way the woman's lips stand further from her skin."""
    woman, man = (appearance_for(dataclasses.replace(p, skin_tone=tone)) for p in (WOMAN, MAN))
    contrast = [abs(_lum(a.skin) - _lum(a.lips)) / (_lum(a.skin) + _lum(a.lips)) for a in (woman, man)]
    assert contrast[0] > 1.3 * contrast[1], contrast


def test_thinner_brows_keep_their_upper_edge():
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    z = face_frame_coordinates(np.asarray(template_vertices()))[:, 2] * 1000.0
    full, thin = brow_weights("soft_arch", 1.0), brow_weights("soft_arch", 0.78)
    assert thin.sum() < 0.85 * full.sum()
    top = lambda w: np.percentile(z[w > 0.5], 95)  # noqa: E731
    assert abs(top(thin) - top(full)) < 1.0  # thinned from below (mm)
    assert appearance_for(WOMAN).brow_thickness < appearance_for(MAN).brow_thickness


def test_a_shaven_man_shows_a_beard_shadow_and_a_woman_or_a_boy_does_not():
    from sim_env.render.clip import render_clip
    from sim_env.render.viewpoints import Viewpoint

    boy = dataclasses.replace(MAN, id="b", age_years=12.0)
    assert appearance_for(MAN).beard_shadow > 0 and appearance_for(WOMAN).beard_shadow == 0
    assert appearance_for(boy).beard_shadow == 0

    def chin_over_cheek(spec):
        clip = render_clip(spec, None, (Viewpoint(0, 0, 0.45),), n_frames=1, size=192)
        left_eye, right_eye, _, mouth_l, mouth_r = clip.labels.landmarks[0, 0]
        gap = left_eye[0] - right_eye[0]
        frame = clip.frames[0, 0]
        chin = luminance(frame_crop(frame, (mouth_l + mouth_r) / 2 + np.array([0, 0.42 * gap]), int(0.12 * gap), 3))
        cheek = luminance(frame_crop(frame, left_eye + np.array([0, 0.55 * gap]), int(0.1 * gap), 3))
        return chin.mean() / cheek.mean()

    woman, man = chin_over_cheek(WOMAN), chin_over_cheek(MAN)
    assert man < woman - 0.05, (man, woman)
