"""The ``facshuman`` rig: pack install, units, the paper's 21 .fani files, AUs seen in the image."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from animations.errors import AnimationError
from animations.fani import FaniClipWarning, read_fani
from image_probes import crop, dark_centroid, hold
from animations.rigs.facshuman import FacsHumanPack, FacsHumanRig, install_pack
from humans.topology import EYE_VERTICES, HM08_UNITS_TO_M
from sim_env.render.viewpoints import Viewpoint

FRONT = (Viewpoint(0, 0, 0.45),)


def test_the_whole_pack_loads_with_head_and_gaze_aus(facshuman_pack):
    keys = set(facshuman_pack.keys)
    assert len(keys) >= 130
    assert {str(n) for n in range(51, 59)} <= keys and {"61", "62", "63", "64", "L61", "R64"} <= keys
    for key in facshuman_pack.keys:
        target = facshuman_pack.target(key)
        assert target.vertices.size and np.isfinite(target.offsets).all(), key


def test_head_aus_move_the_head_by_centimetres(facshuman_pack):
    for key in ("51", "52", "53", "54", "55", "56", "57", "58"):
        t = facshuman_pack.target(key)
        moved_m = np.linalg.norm(t.offsets, axis=1).max() * HM08_UNITS_TO_M
        assert 0.01 < moved_m < 0.2, (key, moved_m)


def test_gaze_targets_move_only_eye_helper_vertices(facshuman_pack):
    lo, hi = EYE_VERTICES["L"][0], EYE_VERTICES["R"][1]
    for key in ("61", "62", "63", "64"):
        v = facshuman_pack.target(key).vertices
        assert v.min() >= lo and v.max() < hi, key


def test_units_are_decimetres_converted_to_metres(facshuman_pack):
    from humans.mesh import HumanBody

    body = HumanBody({"gender": 0.5})
    rig = FacsHumanRig(facshuman_pack)
    frames = rig.apply(["4"], np.array([[0.0], [1.0]]))
    posed = body.frames(frames.facial_actions, morph_offsets_hm08=frames.morph_offsets_hm08)
    moved = np.linalg.norm(posed.vertices[1] - posed.vertices[0], axis=1)
    assert 0.002 < moved.max() < 0.02  # brows move millimetres, not decimetres or micrometres
    brow = facshuman_pack.target("4").vertices
    assert (posed.vertices[1, brow, 2] - posed.vertices[0, brow, 2]).mean() < 0  # AU4 lowers


def test_every_paper_fani_replays_without_other_warnings(paper_animations_dir, facshuman_pack):
    from humans.mesh import HumanBody

    files = sorted(paper_animations_dir.glob("*.fani"))
    assert len(files) == 21
    rig = FacsHumanRig(facshuman_pack)
    body = HumanBody({"gender": 0.5})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in files:
            keys, values = read_fani(path).sample(25)
            frames = rig.apply(keys, values)
            assert not frames.unsupported_keys, path
            assert frames.morph_offsets_hm08.shape == (25, 19158, 3)
            posed = body.frames(frames.facial_actions, morph_offsets_hm08=frames.morph_offsets_hm08)
            assert np.isfinite(posed.vertices).all()
    others = [w for w in caught if not issubclass(w.category, FaniClipWarning)]
    assert not others, [str(w.message) for w in others]


def test_a_key_the_pack_lacks_warns_once(facshuman_pack):
    from animations.rigs import UnsupportedAUWarning

    rig = FacsHumanRig(facshuman_pack)
    with pytest.warns(UnsupportedAUWarning, match="'45'"):
        out = rig.apply(["45", "45"], np.ones((2, 2)))
    assert out.unsupported_keys == ("45", "45") and not out.morph_offsets_hm08.any()


def test_install_from_an_archive_and_bad_sources(shared_dir, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "FACSHuman-master"), "zip", shared_dir / "assets", "facshuman")
    dest = install_pack(archive, tmp_path / "pack")
    assert set(FacsHumanPack(dest).keys) == set(FacsHumanPack(shared_dir / "assets" / "facshuman").keys)
    served = shutil.copy(archive, tmp_path / "zipball")  # a URL without '.zip', like GitHub's
    assert FacsHumanPack(install_pack(f"file://{served}", tmp_path / "pack-url")).keys
    (tmp_path / "empty").mkdir()
    with pytest.raises(AnimationError, match="no FACSHuman .target files"):
        install_pack(tmp_path / "empty", tmp_path / "pack")
    assert FacsHumanPack(dest).keys  # a failed install leaves the installed pack intact
    with pytest.raises(FileNotFoundError):
        install_pack(tmp_path / "nowhere", tmp_path / "pack2")


def test_get_rig_without_the_pack_says_how_to_install(tmp_path, monkeypatch):
    from animations.rigs import get_rig

    monkeypatch.setenv("HRISIM_FACSHUMAN", str(tmp_path / "absent"))
    with pytest.raises(AnimationError, match="hrisim assets install facshuman"):
        get_rig("facshuman")


# -- in the image --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def person(paper_people):
    return next(h for h in paper_people if h.id == "Women1_Whi")


@pytest.fixture(scope="module")
def render(person, asset_roots, facshuman_pack):
    from sim_env.render.clip import render_clip

    def _render(timeline):
        # one renderer per clip: pyrender's EGL teardown of one context breaks any other still open
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the paper files' FACSHuman teeth/tongue are reported elsewhere
            return render_clip(person, timeline, FRONT, n_frames=1, size=256, rig="facshuman",
                               appearance="assets", asset_roots=asset_roots)

    return _render


def test_facshuman_au4_lowers_the_brows_in_the_image(render):
    neutral, lowered = render(None), render(hold("4"))
    for eye in neutral.labels.landmarks[0, 0, :2]:
        above = eye + np.array([0, -20])
        _, y0 = dark_centroid(crop(neutral, above, 22, 14))
        _, y1 = dark_centroid(crop(lowered, above, 22, 14))
        assert y1 > y0 + 1.0  # the brow proxy's dark strands move down the image


@pytest.mark.parametrize("key, direction", [("61", +1), ("62", -1)])
def test_facshuman_au61_au62_move_the_irises_in_the_image(render, key, direction):
    neutral, looked = render(None), render(hold(key))
    for eye in neutral.labels.landmarks[0, 0, :2]:
        x0, _ = dark_centroid(crop(neutral, eye, 12, 6), 0.2)
        x1, _ = dark_centroid(crop(looked, eye, 12, 6), 0.2)
        # AU61 = eyes to the subject's left = the image's right for a camera in front
        assert direction * (x1 - x0) > 1.5, (x0, x1)


def test_a_missing_skin_texture_warns_once_and_draws_the_builtin_skin(tmp_path):
    import dataclasses

    from humans.assets import AssetRoots
    from humans.materials import MissingTextureWarning
    from humans.suites import balanced24
    from sim_env.render.clip import render_clip

    (tmp_path / "skins" / "lost").mkdir(parents=True)
    (tmp_path / "skins" / "lost" / "lost.mhmat").write_text("name lost\ndiffuseTexture ../textures/lost.png\n")
    person = next(h for h in balanced24() if h.effective_skin_tone >= 8)
    person = dataclasses.replace(person, skin_material="skins/lost/lost.mhmat", hair=None, eyebrows=None,
                                 eyelashes=None, eyes=None, teeth=None, tongue=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clip = render_clip(person, None, FRONT, n_frames=1, size=96, appearance="assets",
                           asset_roots=AssetRoots((tmp_path,), "test"))
    missing = [w for w in caught if issubclass(w.category, MissingTextureWarning)]
    assert len(missing) == 1 and "lost.mhmat" in str(missing[0].message) and "line 2" in str(missing[0].message)
    cheek = clip.frames[0, 0, 55:65, 30:40].reshape(-1, 3).astype(float).mean(0)
    assert cheek[0] - cheek[2] > 20  # a brown skin, not the grey of an untextured material


def test_the_facshuman_rig_parts_the_lips_once_too(facshuman_pack):
    rig = FacsHumanRig(facshuman_pack)
    both = rig.apply(["10", "25"], np.array([[1.0, 1.0]]))
    np.testing.assert_array_equal(both.morph_offsets_hm08, rig.apply(["10"], np.array([[1.0]])).morph_offsets_hm08)
    assert both.au_intensities[25][0] == 1.0
