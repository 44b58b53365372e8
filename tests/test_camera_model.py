"""The camera model: tone curve, white balance, exposure modes, seeded randomisation."""
import numpy as np
import pytest

from sim_env.render.camera_model import (
    Camera,
    CameraSettings,
    aces_fitted,
    develop_clip,
    display_encode,
    white_balance_gains,
)
from sim_env.render.lighting import PRESETS, lighting_preset


def test_tone_curve_is_monotone_and_rolls_off_instead_of_clipping():
    x = np.linspace(0.0, 6.0, 6001)
    y = aces_fitted(x)
    assert np.all(np.diff(y) > 0), "the filmic curve must be strictly increasing"
    assert y[-1] < 1.0, "highlights up to 6x white keep gradation (no hard clip)"
    encoded = display_encode(np.array([1.0, 2.0, 4.0]), "aces")
    assert len(set(np.round(encoded * 255).astype(int))) == 3, "1x, 2x, 4x white stay distinguishable"
    clipped = display_encode(np.array([1.0, 2.0, 4.0]), "clip")
    assert np.all(clipped == 1.0), "the legacy curve clips (what the filmic one fixes)"
    assert display_encode(np.array([0.0]), "aces")[0] == 0.0


def test_legacy_curve_is_the_old_shader_gamma():
    x = np.linspace(0, 1.5, 101, dtype=np.float32)
    np.testing.assert_allclose(display_encode(x, "clip"), np.clip(x, 0, 1) ** (1 / 2.2), atol=1e-6)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_white_balance_maps_the_preset_illuminant_to_grey(preset):
    lighting = lighting_preset(preset)
    gains = white_balance_gains(lighting)
    assert gains[1] == pytest.approx(1.0)
    from sim_env.render.camera_model import illuminant_rgb

    balanced = illuminant_rgb(lighting) * gains
    np.testing.assert_allclose(balanced, balanced[1], rtol=1e-5)


def test_warm_presets_need_a_blue_gain():
    for name in ("office", "dim"):  # 4200 K and 3000 K lamps
        r, g, b = white_balance_gains(lighting_preset(name))
        assert b > g > r, name


def _frames(level=0.05, t=3, size=32):
    frames = np.full((t, size, size, 3), level, np.float32)
    frames[:, 8:24, 8:24] = level * 4  # a brighter "face"
    boxes = np.tile(np.array([8, 8, 24, 24], np.float32), (t, 1))
    return frames, boxes


def test_fixed_exposure_applies_no_gain_and_face_exposure_meters_the_face():
    frames, boxes = _frames()
    fixed, rec = develop_clip(frames, boxes, settings=CameraSettings(exposure="fixed", tone="clip", white_balance="none"))
    assert rec.gain == 1.0 and np.isnan(rec.metered)
    np.testing.assert_array_equal(fixed[0, 0, 0], np.round(255 * 0.05 ** (1 / 2.2)))
    dim = develop_clip(frames * 0.25, boxes, settings=CameraSettings(face_weight=1.0))[1]
    bright = develop_clip(frames, boxes, settings=CameraSettings(face_weight=1.0))[1]
    assert dim.gain == pytest.approx(4 * bright.gain, rel=1e-4), "a face 4x darker gets 4x the gain"
    assert bright.metered == pytest.approx(0.2, rel=1e-4)  # the face box is 0.2 linear
    capped = develop_clip(frames * 1e-4, boxes, settings=CameraSettings())[1]
    assert capped.gain == pytest.approx(2 ** 3), "auto-exposure stops at +3 stops"


def test_seeded_camera_randomisation_reproduces():
    frames, boxes = _frames()
    settings = CameraSettings(seed=5).with_jitter("default")
    a, ra = develop_clip(frames, boxes, settings=settings, index=2)
    b, rb = develop_clip(frames, boxes, settings=settings, index=2)
    np.testing.assert_array_equal(a, b)
    assert ra == rb
    c, rc = develop_clip(frames, boxes, settings=CameraSettings(seed=6).with_jitter("default"), index=2)
    assert rc.bias_ev != ra.bias_ev and rc.white_balance != ra.white_balance
    assert not np.array_equal(a, c)
    assert a.std(axis=(1, 2)).max() > 0, "sensor noise varies pixel to pixel"
    plain = develop_clip(frames, boxes, settings=CameraSettings(seed=5))[0]
    assert plain[:, 0, 0].std() == 0, "no jitter: no noise, every pixel of a flat area equal"


def test_camera_jitter_spec_is_checked():
    assert CameraSettings().with_jitter("0.5,0.1,2").noise == 2.0
    with pytest.raises(ValueError, match="EV,WB,NOISE"):
        CameraSettings().with_jitter("lots")
    with pytest.raises(ValueError, match="exposure"):
        CameraSettings(exposure="auto")


def test_stream_exposure_adapts_gradually():
    frames, boxes = _frames()
    cam = Camera(CameraSettings(face_weight=1.0))
    first = cam.frame(frames[0], boxes[0])
    darker = [cam.frame(frames[0] * 0.25, boxes[0], adapt=0.35)[16, 16, 1] for _ in range(12)]
    assert darker[0] < first[16, 16, 1], "one frame after the light drops the face is still darker"
    assert abs(int(darker[-1]) - int(first[16, 16, 1])) <= 2, "and the exposure converges back"


def test_stream_frames_depend_only_on_the_scene_by_default():
    frames, boxes = _frames()
    cam = Camera(CameraSettings())
    first = cam.frame(frames[0], boxes[0])
    cam.frame(frames[0] * 0.1, boxes[0])
    np.testing.assert_array_equal(cam.frame(frames[0], boxes[0]), first)


@pytest.mark.parametrize("tone", ["aces", "clip"])
def test_display_decode_inverts_the_tone_curve(tone):
    from sim_env.render.camera_model import display_decode, display_encode

    x = np.linspace(0.0, 3.0 if tone == "aces" else 1.0, 301)
    np.testing.assert_allclose(display_decode(display_encode(x, tone), tone), x, atol=1e-9)
