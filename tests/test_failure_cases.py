"""The paper's failure cases as seeded behaviour options: a hand raised to the face (drawn with the
person's skin, labelled with the share of the face it hides), talking, head motion, near-static
expressions; in the generator and the environments, off by default."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.ndimage as ndimage

from sim_env.render.failure_cases import Behaviour, BehaviourTrack, HandSpell, parse_behaviour, spell_weight

SIZE = 96


def test_behaviour_text_round_trips_and_bad_values_name_the_option():
    b = parse_behaviour("hand_to_face=0.3, talking=0.2,head_motion=8,near_static=0.2")
    assert b == Behaviour(0.3, 0.2, 8.0, 0.2)
    assert b.text() == "hand_to_face=0.3,talking=0.2,head_motion=8,near_static=0.2"
    assert parse_behaviour(b.text()) == b
    assert parse_behaviour("none") == Behaviour() and not Behaviour().enabled and Behaviour().text() == "none"
    for text, words in [("hand_to_face=1.5", "hand_to_face: expected a share in [0, 1]"),
                        ("head_motion=-2", "head_motion: expected degrees"),
                        ("talking=nan", "talking: expected a share"),
                        ("talking=lots", "talking: expected a number"),
                        ("hands=0.3", "'hands': unknown option"),
                        ("talking", "talking: expected talking=VALUE"),
                        ("talking=0.1,talking=0.2", "talking: given twice")]:
        with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
            parse_behaviour(text)


def test_generate_refuses_a_bad_behaviour_as_a_usage_error(tmp_path, capsys):
    from sim_env.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["generate", "--out", str(tmp_path / "d"), "--behaviour", "near_static=2"])
    assert exc.value.code == 2
    assert "--behaviour: behaviour near_static: expected a share in [0, 1], got 2.0" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_draws_are_seeded_and_each_case_has_its_own_stream():
    b = Behaviour(hand_to_face=0.5, talking=0.5, head_motion=6, near_static=0.5)
    a1, a2 = b.draw(11, 400, 0.04), b.draw(11, 400, 0.04)
    for x, y in [(a1.jaw, a2.jaw), (a1.head_deg, a2.head_deg), (a1.hand.weight, a2.hand.weight)]:
        np.testing.assert_array_equal(x, y)
    assert a1.intensity_scale == a2.intensity_scale
    other = b.draw(12, 400, 0.04)
    assert not np.array_equal(other.head_deg, a1.head_deg)
    hand_only = Behaviour(hand_to_face=0.5).draw(11, 400, 0.04)  # turning talking off leaves the hand as it was
    np.testing.assert_array_equal(hand_only.hand.weight, a1.hand.weight)
    assert (hand_only.hand.side, hand_only.hand.contact) == (a1.hand.side, a1.hand.contact)
    assert not np.any(hand_only.jaw) and not np.any(hand_only.head_deg)


def test_spells_cover_their_share_and_the_hand_rises_smoothly():
    dt = 0.04
    for share in (0.2, 0.6):
        w = np.concatenate([spell_weight(np.random.default_rng(s), 3000, dt, share) for s in range(8)])
        assert abs(w.mean() - share) < 0.1, (share, w.mean())
    w = spell_weight(np.random.default_rng(3), 3000, dt, 0.5)
    assert w.min() == 0.0 and w.max() == 1.0
    # minimum-jerk rises of >= 0.3 s: at most 1.875 * dt / 0.3 per frame
    assert np.abs(np.diff(w)).max() <= 1.875 * dt / 0.3 + 1e-6
    jaw = Behaviour(talking=1.0).draw(0, 250, dt).jaw
    assert 0.12 <= jaw.min() and jaw.max() <= 0.3 + 1e-6  # always talking, at syllable rate
    spectrum = np.abs(np.fft.rfft(jaw - jaw.mean()))
    assert abs(np.fft.rfftfreq(len(jaw), dt)[np.argmax(spectrum)] - 4.0) < 0.3


def _views():
    from sim_env.render.viewpoints import paper9

    views = {v.name: v for v in paper9()}
    return [views["h+0_v+0_d0.6"], views["h+40_v-30_d0.6"], views["h-20_v+15_d0.6"]]


@pytest.fixture(scope="module")
def person():
    from humans.suites import balanced24

    return balanced24()[3]


@pytest.fixture(scope="module")
def without_hand(person):
    from sim_env.render.clip import render_clip

    return render_clip(person, None, _views(), 1, size=SIZE, exposure="fixed")


@pytest.mark.parametrize("contact", ["mouth", "cheek"])
def test_a_hand_on_the_face_is_skin_in_the_face_box_and_the_label_says_how_much(person, without_hand, contact):
    from sim_env.render.camera import RobotCamera
    from sim_env.render.clip import render_clip
    from sim_env.render.occlusion import hand_coverage
    from sim_env.render.performance import Performance

    track = BehaviourTrack(hand=HandSpell("L", contact, np.ones(1, np.float32)))
    clip = render_clip(person, None, _views(), 1, size=SIZE, exposure="fixed", behaviour=track)
    # The labels stay the face's: the same boxes and landmarks with the hand up.
    np.testing.assert_array_equal(clip.labels.face_boxes, without_hand.labels.face_boxes)
    np.testing.assert_array_equal(clip.labels.landmarks, without_hand.labels.landmarks)
    performance = Performance(person, None, 1, behaviour=track)
    face = performance.body.face_centre
    chroma = lambda rgb: rgb[..., :2] / np.maximum(rgb.sum(-1, keepdims=True), 1)  # noqa: E731
    for v, vp in enumerate(_views()):
        x0, y0, x1, y1 = np.round(clip.labels.face_boxes[v, 0]).astype(int)
        box = (slice(max(y0, 0), y1), slice(max(x0, 0), x1))
        img, ref = clip.frames[v, 0].astype(int), without_hand.frames[v, 0].astype(int)
        diff = np.abs(img - ref).max(-1)  # fixed exposure, same light: a change is the arm or its shadow
        cam = RobotCamera.around_face(face, vp.horizontal_deg, vp.vertical_deg, vp.distance,
                                      width=SIZE, height=SIZE, yfov_deg=25.0)
        cover = hand_coverage(performance.frames.vertices[0], "L", cam)
        label = float(clip.labels.occlusion[v, 0])
        assert abs(label - cover[box].mean()) < 0.02  # the label is the mask's share of the face box (box edges aside)
        hand, changed = cover[box] > 0.5, diff[box] > 2
        if vp.name == "h+0_v+0_d0.6":
            assert label > 0.08, (contact, label)
        if hand.sum() < 20:
            continue
        # Where the label puts the hand, the picture changed, and into the face's own skin colour.
        assert (diff[box] > 0)[hand].mean() > 0.9, (contact, vp.name, (diff[box] > 0)[hand].mean())
        clear = hand & (diff[box] > 12)
        if clear.sum() > 50:
            hand_c = np.median(chroma(img[box][clear]), 0)
            cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
            skin_c = np.median(chroma(ref[cy - 6:cy + 6, cx - 6:cx + 6].reshape(-1, 3)), 0)
            assert np.abs(hand_c - skin_c).max() < 0.04, (contact, vp.name, hand_c, skin_c)
        # Changes beside the label's hand are its shadow (darker), not hand the label missed.
        near = ndimage.binary_dilation(cover > 0, iterations=1)[box]
        beside = changed & ~near
        if beside.sum() > 20:
            darker = img[box][beside].sum(-1) < ref[box][beside].sum(-1)
            assert darker.mean() > 0.9, (contact, vp.name, darker.mean())


def test_off_by_default_changes_nothing(person, without_hand):
    from sim_env.dataset.plan import GenerateConfig, make_plan
    from sim_env.render.clip import render_clip

    for behaviour in (BehaviourTrack(), Behaviour().draw(5, 1, 0.04)):
        clip = render_clip(person, None, _views(), 1, size=SIZE, exposure="fixed", behaviour=behaviour)
        np.testing.assert_array_equal(clip.frames, without_hand.frames)
        np.testing.assert_array_equal(clip.labels.face_boxes, without_hand.labels.face_boxes)
        assert clip.labels.occlusion is None and clip.labels.behaviour is None
    config = GenerateConfig(out="unused", humans=person.id, animations="confusion_eyes_left_right", viewpoints="grid:0;0")
    assert "behaviour" not in config.content_fields()  # the plan hash of datasets made before the option
    assert all(g.behaviour is None for g in make_plan(config).groups)
    on = GenerateConfig(out="unused", behaviour="talking=0.20")
    assert on.behaviour == "talking=0.2" and on.content_fields()["behaviour"] == "talking=0.2"


def test_generator_performs_and_labels_the_behaviour_reproducibly(tmp_path, person):
    from sim_env.dataset import GenerateConfig, generate_dataset
    from sim_env.dataset.store import read_manifest

    def make(name, behaviour):
        config = GenerateConfig(out=str(tmp_path / name), humans=person.id, animations="anger_wide_eyes",
                                viewpoints="grid:0;0", frames=5, size=48, behaviour=behaviour)
        generate_dataset(config, progress=False)
        return read_manifest(tmp_path / name)

    on = "hand_to_face=1,talking=1,head_motion=5"
    a, b, off = make("a", on), make("b", on), make("off", "none")
    assert list(a["sha256"]) == list(b["sha256"]) and list(a["labels_sha256"]) == list(b["labels_sha256"])
    assert list(a["sha256"]) != list(off["sha256"])
    labels = dict(np.load(tmp_path / "a" / a["labels_file"].iloc[0]))
    assert np.all(labels["hand_weight"] == 1.0) and str(labels["hand_contact"]) in ("cheek", "mouth", "chin")
    assert labels["hand_occlusion"].shape == (5,) and np.all(labels["face_occluded"] == (labels["hand_occlusion"] > 0))
    assert labels["behaviour_jaw"].min() >= 0.12 and np.abs(labels["behaviour_head_deg"]).max() > 0.5
    plain = dict(np.load(tmp_path / "off" / off["labels_file"].iloc[0]))
    assert not any(k.startswith(("hand_", "behaviour_", "face_occluded")) for k in plain)
    meta = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert meta["config"]["behaviour"] == on
    assert "Behaviour (the paper's failure cases" in (tmp_path / "a" / "README.md").read_text()
    assert "behaviour" not in json.loads((tmp_path / "off" / "manifest.json").read_text())["config"]


def test_environment_raises_the_same_hand_and_labels_its_occlusion(person):
    import gymnasium as gym

    import sim_env.envs  # noqa: F401  (registers the ids)
    from sim_env.envs.motion import MotionConfig

    def first_step(motion):
        env = gym.make("hrisim/ConfusionAssist-v0", width=SIZE, height=SIZE, humans=(person.id,),
                       viewpoints="grid:0;0", exposure="fixed", motion=motion)
        try:
            env.reset(seed=4)
            obs, *_, info = env.step(env.action_space.sample() * 0)
            return obs, info
        finally:
            env.close()

    still = dict(idle=None, look_at_robot=False)
    obs, info = first_step(MotionConfig(**still, hand_to_face=1.0))
    ref, ref_info = first_step(MotionConfig(**still))
    assert "hand_occlusion" not in ref_info and ref_info["idle"]["hand"] == 0.0
    assert info["idle"]["hand"] == 1.0 and info["idle"]["hand_contact"] in ("cheek", "mouth", "chin")
    x0, y0, x1, y1 = np.round(info["face_box"]).astype(int)
    changed = (np.abs(obs.astype(int) - ref.astype(int)).max(-1) > 2)[max(y0, 0):y1, max(x0, 0):x1]
    assert info["face_occluded"] and info["hand_occlusion"] > 0.05
    assert abs(info["hand_occlusion"] - changed.mean()) < 0.08, (info["hand_occlusion"], changed.mean())
    with pytest.raises(ValueError, match="MotionConfig: behaviour hand_to_face: expected a share"):
        MotionConfig(hand_to_face=3)
